import type { Analysis } from '../analysis/types';
import { attrInt, type Model, type Node, type TensorType } from '../ir/graph';
import type { LazyTensor } from '../ir/tensor';
import { finish, inferModel, knobValue } from './common';
import { GraphIndex, Namer, cloneModel, dropAlong, initializer, pruneUnused } from './graphEdit';
import type { FindOptions, Knob, KnobValues, Pass, RewriteOptions, Suggestion } from './types';
import { readWeights } from './weights';
import { WRITABLE_FLOATS } from '../tensor/bytes';
import { kerasCandidates, prunedCount, pruneKerasOne } from './channelPruneKeras';

/**
 * Structured pruning of a conv's output channels, with every layer that depends on those channels
 * updated so the graph stays valid — the dependency-graph idea of Torch-Pruning. From the pruned conv the
 * removed channel indices are followed forward: through channel-wise ops (activations, pooling, BN —
 * whose parameters shrink), through depthwise convs (whose channels and group shrink, a chain), through
 * Concat along channels (indices shift by the input's offset), into the next conv's input channels, or
 * through Flatten into a Gemm's input features. Anything else (residual Add/Mul joins, graph outputs,
 * reshapes) stops the candidate: coupled groups across a residual are not pruned yet.
 */

const RATIO: Knob = { name: 'ratio', label: 'fraction of output channels to remove (smallest L1 norm)', min: 0.05, max: 0.9, step: 0.05, default: 0.3 };

const CHANNELWISE = new Set(['Relu', 'LeakyRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Clip', 'Elu', 'Selu', 'Softplus', 'Gelu', 'Erf',
  'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool', 'Identity', 'Dropout']);

type Edit =
  | { kind: 'out'; node: Node }
  | { kind: 'bn'; node: Node; removed: number[] }
  | { kind: 'dw'; node: Node; removed: number[] }
  | { kind: 'in'; node: Node; removed: number[] }
  | { kind: 'gemm-in'; node: Node; removed: number[] };

interface Plan {
  producer: Node;
  channels: number;
  edits: Edit[];
  /** Values whose channel count changes (their declared types are dropped). */
  values: string[];
}

function types(model: Model): Map<string, TensorType> {
  return inferModel(model).types;
}

const JOINS = new Set(['Add', 'Sub', 'Mul', 'Div']);

/**
 * The dependency group of a conv's output channels, Torch-Pruning style. Every value in the group loses
 * the same channels, so each needs (forward) all its consumers adapted and (backward) its producer to
 * emit fewer channels. Residual Add / SE Mul joins pull their other operand into the group, which pulls
 * in that operand's producer (another conv, through activations, BN and depthwise convs). Concat and
 * Flatten map indices forward only. Undefined when some member cannot follow (a graph input or output, a
 * reshape, a shared weight, a channel-mixing op).
 */
function plan(model: Model, ix: GraphIndex, tys: Map<string, TensorType>, producer: Node, removed: number[]): Plan | undefined {
  const g = model.graph;
  const w = initializer(g, producer.inputs[1])!;
  const C = w.dims[0];
  const edits: Edit[] = [];
  const values: string[] = [];
  const seenEdit = new Set<string>();
  const edit = (e: Edit): boolean => {
    const key = `${e.kind}:${e.node.id}`;
    if (seenEdit.has(key)) return true;
    seenEdit.add(key);
    if (e.kind !== 'out' && e.kind !== 'in' && e.kind !== 'gemm-in' && [...seenEdit].some((k) => k !== key && k.endsWith(`:${e.node.id}`))) return false;
    edits.push(e);
    return true;
  };
  const ownWeight = (n: Node, slot: number) => {
    const t = initializer(g, n.inputs[slot]);
    return t !== undefined && ix.uses(t.name).length === 1;
  };
  const channels = (v: string) => tys.get(v)?.shape?.[1];
  /** Group members (same indices as the producer), visited both ways. */
  const group = new Set<string>();
  const work: string[] = [];
  const join = (v: string): boolean => {
    if (group.has(v)) return true;
    const c = channels(v);
    if (c !== C) return false;
    group.add(v);
    work.push(v);
    return true;
  };
  const isActivation = (v: string) => !g.initializers.has(v) && ix.producer.get(v)?.opType !== 'Constant';

  const forward = (value: string, rem: number[], inGroup: boolean): boolean => {
    if (ix.outputs.has(value)) return false;
    values.push(value);
    for (const u of ix.uses(value)) {
      if (u.domain !== '') return false;
      const slot = u.inputs.indexOf(value);
      if (CHANNELWISE.has(u.opType) || u.opType === 'BatchNormalization') {
        if (slot !== 0 || (u.opType === 'Dropout' && u.outputs[1])) return false;
        if (u.opType === 'BatchNormalization') {
          if (![1, 2, 3, 4].every((i) => ownWeight(u, i)) || !edit({ kind: 'bn', node: u, removed: rem })) return false;
        }
        if (inGroup ? !join(u.outputs[0]) : !forward(u.outputs[0], rem, false)) return false;
      } else if (u.opType === 'Conv') {
        if (slot !== 0 || !ownWeight(u, 1)) return false;
        const cw = initializer(g, u.inputs[1])!;
        const group1 = attrInt(u, 'group', 1);
        const cin = channels(value);
        if (group1 === 1) {
          if (!edit({ kind: 'in', node: u, removed: rem })) return false;
        } else if (typeof cin === 'number' && group1 === cin && cw.dims[0] === cin && cw.dims[1] === 1) {
          if (!edit({ kind: 'dw', node: u, removed: rem })) return false;
          if (inGroup ? !join(u.outputs[0]) : !forward(u.outputs[0], rem, false)) return false;
        } else return false;
      } else if (JOINS.has(u.opType) && inGroup) {
        const other = u.inputs[1 - slot];
        if (u.inputs.length !== 2 || other === value) return false;
        if (isActivation(other)) {
          // Residual Add, SE gate Mul: both operands lose the same channels.
          const oc = channels(other);
          if (oc === C) {
            if (!join(other)) return false;
          } else if (oc !== 1) return false;
        } else {
          const t = initializer(g, other);
          const s = t?.dims;
          // A per-channel constant operand would need slicing too: not handled.
          if (!s || (s.length >= 3 && s[s.length - 3] !== 1)) return false;
        }
        if (!join(u.outputs[0])) return false;
      } else if (u.opType === 'Concat') {
        const axis = attrInt(u, 'axis', 0);
        const rank = tys.get(value)?.shape?.length;
        if (rank === undefined || (axis !== 1 && axis !== 1 - rank)) return false;
        if (u.inputs.filter((i) => i === value).length !== 1) return false;
        let offset = 0;
        for (const i of u.inputs) {
          if (i === value) break;
          const c = channels(i) ?? initializer(g, i)?.dims[1];
          if (typeof c !== 'number') return false;
          offset += c;
        }
        if (!forward(u.outputs[0], rem.map((r) => r + offset), false)) return false;
      } else if (u.opType === 'Flatten') {
        const s = tys.get(value)?.shape;
        if (attrInt(u, 'axis', 1) !== 1 || !s || !s.every((d) => typeof d === 'number')) return false;
        const hw = (s as number[]).slice(2).reduce((a, b) => a * b, 1);
        const feats = rem.flatMap((c) => Array.from({ length: hw }, (_, j) => c * hw + j));
        const flatOut = u.outputs[0];
        if (ix.outputs.has(flatOut)) return false;
        values.push(flatOut);
        for (const gm of ix.uses(flatOut)) {
          if (gm.opType !== 'Gemm' || gm.inputs[0] !== flatOut || attrInt(gm, 'transA', 0) !== 0 || !ownWeight(gm, 1)) return false;
          if (!edit({ kind: 'gemm-in', node: gm, removed: feats })) return false;
        }
      } else return false;
    }
    return true;
  };

  const backward = (value: string): boolean => {
    const p = ix.producer.get(value);
    if (!p || p.domain !== '') return false;
    if (p.opType === 'Conv') {
      if (!ownWeight(p, 1) || (p.inputs[2] && !ownWeight(p, 2))) return false;
      const group1 = attrInt(p, 'group', 1);
      if (group1 === 1) return edit({ kind: 'out', node: p });
      const cw = initializer(g, p.inputs[1])!;
      if (group1 === C && cw.dims[0] === C && cw.dims[1] === 1) return edit({ kind: 'dw', node: p, removed }) && join(p.inputs[0]);
      return false;
    }
    if (CHANNELWISE.has(p.opType)) return join(p.inputs[0]);
    if (p.opType === 'BatchNormalization') return [1, 2, 3, 4].every((i) => ownWeight(p, i)) && edit({ kind: 'bn', node: p, removed }) && join(p.inputs[0]);
    if (JOINS.has(p.opType)) {
      for (const i of p.inputs) {
        if (!isActivation(i)) continue;
        const c = channels(i);
        if (c === C) {
          if (!join(i)) return false;
        } else if (c !== 1) return false;
      }
      return true;
    }
    return false;
  };

  if (!edit({ kind: 'out', node: producer }) || !join(producer.outputs[0])) return undefined;
  while (work.length) {
    const v = work.pop()!;
    if (!forward(v, removed, true) || !backward(v)) return undefined;
  }
  return { producer, channels: C, edits, values };
}

function candidates(model: Model): { node: Node; plan: Plan }[] {
  const g = model.graph;
  const ix = new GraphIndex(g);
  const tys = types(model);
  const out: { node: Node; plan: Plan }[] = [];
  for (const n of g.nodes) {
    if (n.opType !== 'Conv' || n.domain !== '' || attrInt(n, 'group', 1) !== 1) continue;
    const w = initializer(g, n.inputs[1]);
    if (!w || !WRITABLE_FLOATS.has(w.dtype) || w.dims[0] < 4 || ix.uses(w.name).length !== 1) continue;
    if (n.inputs[2] && !initializer(g, n.inputs[2])) continue;
    const p = plan(model, ix, tys, n, [0]);
    if (p) out.push({ node: n, plan: p });
  }
  return out;
}

/** Indices of the `count` output channels with the smallest L1 norm. */
function smallestL1(W: Float32Array, channels: number, count: number): number[] {
  const per = W.length / channels;
  const norms = Array.from({ length: channels }, (_, c) => {
    let s = 0;
    for (let i = c * per; i < (c + 1) * per; i++) s += Math.abs(W[i]);
    return [s, c] as const;
  });
  return norms.sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, count).map((x) => x[1]).sort((a, b) => a - b);
}

export const channelPrune: Pass = {
  name: 'channel-prune',
  title: 'Structured channel pruning (L1)',

  async find(model: Model, analysis: Analysis, opts?: FindOptions): Promise<Suggestion[]> {
    if (model.format === 'keras') return findKeras(this, model, analysis, opts);
    if (model.format !== 'onnx') return [];
    const out: Suggestion[] = [];
    const groups = new Set<string>();
    for (const { node, plan: p } of candidates(model)) {
      const key = p.edits.filter((e) => e.kind === 'out').map((e) => e.node.id).sort().join('|');
      if (groups.has(key)) continue;
      groups.add(key);
      const deps = p.edits.slice(1).map((e) => e.node.id);
      out.push(await finish(this, model, analysis, {
        pass: 'channel-prune',
        title: `Prune output channels of ${node.name} (${p.channels}) by L1 norm; updates ${deps.length} dependent layer${deps.length === 1 ? '' : 's'}`,
        layers: [node.id],
        kind: 'needs-fine-tuning',
        knobs: [RATIO],
        detail: { dependents: deps },
      }, opts));
    }
    return withCombined(this, model, analysis, out, opts);
  },

  async rewrite(model: Model, s: Suggestion, knobs: KnobValues, opts: RewriteOptions): Promise<Model> {
    const ratio = knobValue(knobs, RATIO);
    let cur = model;
    if (model.format === 'keras') {
      // Keras groups have one producer each (residual joins are not candidates): one layer at a time.
      for (const id of s.layers) cur = await pruneKerasOne(cur, id, ratio, opts);
      return cur;
    }
    const pruned = new Set<string>();
    // One group at a time: each prune re-plans on the graph the previous one left; a layer already
    // pruned as a member of an earlier group is not pruned twice.
    for (const id of s.layers) {
      if (pruned.has(id)) continue;
      const c = candidates(cur).find((x) => x.node.id === id);
      if (!c) throw new Error(`layer ${id} cannot be pruned in this graph`);
      for (const e of c.plan.edits) if (e.kind === 'out') pruned.add(e.node.id);
      cur = await pruneOne(cur, c.node, ratio, opts);
    }
    return cur;
  },
};

/**
 * Keras: Conv2D filters / Dense units by L1 norm, with BatchNormalization, DepthwiseConv2D chains,
 * Concatenate offsets, Flatten and the next Conv2D/Dense input rows following (channelPruneKeras.ts).
 */
async function findKeras(pass: Pass, model: Model, analysis: Analysis, opts?: FindOptions): Promise<Suggestion[]> {
  const out: Suggestion[] = [];
  for (const p of kerasCandidates(model)) {
    const deps = p.edits.slice(1).map((e) => e.node.id);
    out.push(await finish(pass, model, analysis, {
      pass: 'channel-prune',
      title: `Prune ${p.producer.opType === 'Dense' ? 'units' : 'filters'} of ${p.producer.name} (${p.channels}) by L1 norm; updates ${deps.length} dependent layer${deps.length === 1 ? '' : 's'}`,
      layers: [p.producer.id],
      kind: 'needs-fine-tuning',
      knobs: [RATIO],
      detail: { dependents: deps },
    }, opts));
  }
  return withCombined(pass, model, analysis, out, opts);
}

/**
 * "Prune all": the candidates' deltas do not add up (pruning a layer and its successor both shrink the
 * successor's input side), so the combination is its own suggestion, its delta from rewriting all of
 * them together and re-analysing.
 */
async function withCombined(pass: Pass, model: Model, analysis: Analysis, singles: Suggestion[], opts?: FindOptions): Promise<Suggestion[]> {
  if (singles.length < 2) return singles;
  const layers = singles.flatMap((s) => s.layers);
  const all = await finish(pass, model, analysis, {
    pass: 'channel-prune',
    title: `Prune all ${singles.length} candidates together (Δ of the combination: a layer and its pruned successor share savings)`,
    layers,
    kind: 'needs-fine-tuning',
    knobs: [RATIO],
    detail: { combined: true, dependents: [...new Set(singles.flatMap((s) => (s.detail?.dependents as string[]) ?? []))] },
  }, opts);
  return [...singles, all];
}

async function pruneOne(model: Model, producer: Node, ratio: number, opts: RewriteOptions): Promise<Model> {
  const g0 = model.graph;
  const w = initializer(g0, producer.inputs[1])!;
  const C = w.dims[0];
  const count = prunedCount(C, ratio);
  let removed = Array.from({ length: count }, (_, i) => i);
  if (opts.withWeights) {
    // Importance of a channel = L1 norm summed over every conv of the group that produces it.
    const probe = plan(model, new GraphIndex(g0), types(model), producer, [0])!;
    const imp = new Float32Array(C);
    for (const e of probe.edits.filter((x) => x.kind === 'out')) {
      const Wm = await readWeights(initializer(g0, e.node.inputs[1])!);
      const per = Wm.length / C;
      for (let i = 0; i < Wm.length; i++) imp[Math.floor(i / per)] += Math.abs(Wm[i]);
    }
    removed = smallestL1(imp, C, count);
    const W = await readWeights(w);
    let kept = 0;
    let all = 0;
    const per = W.length / C;
    const drop = new Set(removed);
    for (let i = 0; i < W.length; i++) {
      all += W[i] * W[i];
      if (!drop.has(Math.floor(i / per))) kept += W[i] * W[i];
    }
    opts.onError?.({ layer: producer.id, relError: Math.sqrt((all - kept) / all) });
  }
  const p = plan(model, new GraphIndex(g0), types(model), producer, removed)!;
  const out = cloneModel(model);
  const g = out.graph;
  const namer = new Namer(g);
  const load = async (t: LazyTensor) => (opts.withWeights ? readWeights(t) : undefined);
  const replaceInit = async (n: Node, slot: number, axis: number, rem: number[]): Promise<string> => {
    const t = g.initializers.get(n.inputs[slot])!;
    const name = namer.fresh(`${t.name}_pruned`);
    g.initializers.set(name, dropAlong(name, t, await load(t), axis, rem));
    return name;
  };
  for (const e of p.edits) {
    const n = g.nodes.find((q) => q.id === e.node.id)!;
    const inputs = [...n.inputs];
    const attrs = { ...n.attrs };
    const rem = e.kind === 'out' ? removed : e.removed;
    if (e.kind === 'out' || e.kind === 'dw') {
      inputs[1] = await replaceInit(n, 1, 0, rem);
      if (n.inputs[2]) inputs[2] = await replaceInit(n, 2, 0, rem);
      if (e.kind === 'dw') attrs.group = { kind: 'int', value: attrInt(n, 'group', 1) - rem.length };
    } else if (e.kind === 'bn') {
      for (let i = 1; i < 5; i++) inputs[i] = await replaceInit(n, i, 0, rem);
    } else if (e.kind === 'in') {
      inputs[1] = await replaceInit(n, 1, 1, rem);
    } else {
      inputs[1] = await replaceInit(n, 1, attrInt(n, 'transB', 0) ? 1 : 0, rem);
    }
    g.nodes[g.nodes.findIndex((q) => q.id === n.id)] = { ...n, inputs, attrs };
  }
  for (const v of p.values) g.valueInfo.delete(v);
  pruneUnused(g);
  return out;
}
