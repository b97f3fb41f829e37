import { dimMul, unknownDim, type Dim } from '../../ir/dim';
import { attrInt, attrInts, type Graph, type TensorType } from '../../ir/graph';
import { RuleError, type CostResult, type OpRule, type RuleContext, type RuleTable, type SubgraphRun } from '../types';
import { input, join, normAxis } from './util';

function body(ctx: RuleContext, attr: string): Graph {
  const a = ctx.node.attrs[attr];
  if (a?.kind !== 'graph') throw new RuleError(`${ctx.node.opType} without a ${attr} graph`);
  return a.value;
}

function run(ctx: RuleContext, g: Graph, inputs: (TensorType | undefined)[]): SubgraphRun {
  if (!ctx.runSubgraph) throw new RuleError('subgraphs cannot be analysed here');
  return ctx.runSubgraph(g, inputs);
}

function scaledCost(r: SubgraphRun, times: Dim, notes: string[] = []): CostResult {
  return { macs: dimMul(r.macs, times), flops: dimMul(r.flops, times), notes, notCosted: r.notCosted };
}

function ifBranches(ctx: RuleContext): { then: SubgraphRun; else: SubgraphRun; cond?: number } {
  const c = ctx.values[0]?.values[0];
  return { then: run(ctx, body(ctx, 'then_branch'), []), else: run(ctx, body(ctx, 'else_branch'), []), cond: typeof c === 'number' ? c : undefined };
}

const ifRule: OpRule = {
  shape: (ctx) => {
    const b = ifBranches(ctx);
    if (b.cond !== undefined) {
      const taken = b.cond ? b.then : b.else;
      return { outputs: taken.outputs as TensorType[], values: taken.values };
    }
    return { outputs: b.then.outputs.map((t, i) => join(t, b.else.outputs[i])) as TensorType[] };
  },
  cost: (ctx) => {
    const b = ifBranches(ctx);
    if (b.cond !== undefined) return scaledCost(b.cond ? b.then : b.else, 1);
    const t = b.then.macs;
    const e = b.else.macs;
    if (typeof t === 'number' && typeof e === 'number') return scaledCost(t >= e ? b.then : b.else, 1);
    return scaledCost(b.then, 1, ['If condition unknown and branch costs symbolic: counted the then-branch']);
  },
};

function loopRun(ctx: RuleContext): { r: SubgraphRun; trips?: Dim; n: number } {
  const g = body(ctx, 'body');
  const n = ctx.node.inputs.length - 2;
  const carried = ctx.inputs.slice(2);
  const r = run(ctx, g, [{ dtype: 'int64', shape: [] }, { dtype: 'bool', shape: [] }, ...carried]);
  const m = (ctx.node.inputs[0] ?? '') !== '' ? ctx.values[0]?.values[0] : undefined;
  return { r, trips: m, n };
}

const loop: OpRule = {
  shape: (ctx) => {
    const { r, trips, n } = loopRun(ctx);
    const outs: TensorType[] = [];
    for (let i = 0; i < n; i++) {
      const init = ctx.inputs[2 + i];
      const after = r.outputs[1 + i];
      // An optional initial value may enter a body that yields its element type: the body's type is the output's.
      outs.push((init && after && init.container !== after.container ? after : join(init, after)) ?? { dtype: 'unknown' });
    }
    for (const s of r.outputs.slice(1 + n)) outs.push(s?.shape ? { dtype: s.dtype, shape: [trips ?? unknownDim(), ...s.shape] } : { dtype: s?.dtype ?? 'unknown' });
    return { outputs: outs };
  },
  cost: (ctx) => {
    const { r, trips } = loopRun(ctx);
    if (trips === undefined) return scaledCost(r, 1, ['Loop trip count unknown: counted one iteration']);
    // A condition that is constant true on entry and after every iteration never ends the loop early.
    const always = (v: { values: Dim[] } | undefined) => v?.values.length === 1 && v.values[0] === 1;
    const hasCond = (ctx.node.inputs[1] ?? '') !== '';
    const early = hasCond && !(always(ctx.values[1]) && always(r.values[0])) ? ['Loop may exit early: counted the maximum trip count'] : [];
    return scaledCost(r, trips, early);
  },
};

/**
 * Scan 9+: scan inputs are sliced along scan_input_axes (default 0). Scan 8 has a leading optional
 * sequence_lens input and a batch axis 0 on every state and scan input: the sequence is axis 1, the
 * body sees neither axis, and the outputs get the batch axis back (scan outputs [batch, seq, ...]).
 */
function scanRun(ctx: RuleContext): { r: SubgraphRun; seq: Dim; batch?: Dim; nStates: number; outAxes: number[] } {
  const g = body(ctx, 'body');
  const m = attrInt(ctx.node, 'num_scan_inputs', 0);
  const v8 = ctx.opset < 9;
  const first = v8 ? 1 : 0;
  const all = ctx.inputs.slice(first);
  const nStates = all.length - m;
  const inAxes = v8 ? new Array(m).fill(1) : attrInts(ctx.node, 'scan_input_axes') ?? new Array(m).fill(0);
  let seq: Dim | undefined;
  let batch: Dim | undefined;
  const drop = (t: TensorType | undefined, axes: number[]) => (t?.shape ? { dtype: t.dtype, shape: t.shape.filter((_, k) => !axes.includes(k)) } : t);
  const slices = all.slice(nStates).map((t, i) => {
    if (!t?.shape) return undefined;
    const ax = normAxis(inAxes[i] ?? 0, t.shape.length);
    seq ??= t.shape[ax];
    if (v8) batch ??= t.shape[0];
    return drop(t, v8 ? [0, ax] : [ax]);
  });
  if (seq === undefined) input(ctx, first + nStates);
  const states = all.slice(0, nStates).map((t) => (v8 ? drop(t, [0]) : t));
  if (v8) for (const t of all.slice(0, nStates)) batch ??= t?.shape?.[0];
  const r = run(ctx, g, [...states, ...slices]);
  return { r, seq: seq!, batch, nStates, outAxes: v8 ? [] : attrInts(ctx.node, 'scan_output_axes') ?? [] };
}

const scan: OpRule = {
  shape: (ctx) => {
    const { r, seq, batch, nStates, outAxes } = scanRun(ctx);
    const v8 = ctx.opset < 9;
    const outs: TensorType[] = r.outputs.map((t, i) => {
      if (!t?.shape) return { dtype: t?.dtype ?? 'unknown' };
      const shape = [...t.shape];
      if (i >= nStates) shape.splice(normAxis(outAxes[i - nStates] ?? 0, shape.length + 1), 0, seq);
      if (v8) shape.unshift(batch ?? unknownDim());
      return { dtype: t.dtype, shape };
    });
    return { outputs: outs };
  },
  cost: (ctx) => {
    const { r, seq, batch } = scanRun(ctx);
    return scaledCost(r, batch === undefined ? seq : dimMul(seq, batch));
  },
};

export const CONTROL_RULES: RuleTable = { If: ifRule, Loop: loop, Scan: scan };
