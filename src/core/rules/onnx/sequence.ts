import { dimAdd, dimMul, unknownDim, type Dim } from '../../ir/dim';
import { attrInt, type Graph, type TensorType } from '../../ir/graph';
import { RuleError, type OpRule, type RuleContext, type RuleTable } from '../types';
import { dtypeFromOnnxCode } from './dtypeCodes';
import { cv, has, input, join, normAxis, staticInts, zeroCost } from './util';

/**
 * Sequence and optional ops (opset 11+ / 15+). A sequence's type is its elements' dtype and shape (dims
 * where elements differ unknown) with `container: 'sequence'`; when the number of elements is known
 * (SequenceConstruct, SequenceEmpty, SplitToSequence of a static dim...) `elements` lists each one, so
 * SequenceAt, SequenceLength and ConcatFromSequence give exact results. Moving tensors in and out of a
 * sequence is data movement: no arithmetic.
 */

/** Sequences longer than this are typed by their element only: a hostile dim must not allocate a list. */
const MAX_ELEMENTS = 4096;

const elem = (t: TensorType): TensorType => (t.shape ? { dtype: t.dtype, shape: t.shape } : { dtype: t.dtype });

function sequenceOf(elements: TensorType[] | undefined, fallback?: TensorType): TensorType {
  const joined = elements && elements.length > 0 ? elements.map(elem).reduce((a, b) => join(a, b)!) : fallback ?? { dtype: 'unknown' };
  const t: TensorType = { ...elem(joined), container: 'sequence' };
  if (elements) t.elements = elements.map(elem);
  return t;
}

function seqInput(ctx: RuleContext, i: number): TensorType {
  const t = ctx.inputs[i];
  if (!t) throw new RuleError(`input "${ctx.node.inputs[i]}" has an unknown type`);
  if (t.container !== 'sequence') throw new RuleError(`input "${ctx.node.inputs[i]}" is ${t.container ? `a ${t.container}` : 'a tensor'}, not a sequence`);
  return t;
}

/** A position input: a known scalar, absent (the default), or unknown. */
function position(ctx: RuleContext, i: number, length: number | undefined, dflt: number | undefined): number | undefined | 'unknown' {
  if (!has(ctx, i)) return dflt;
  const v = staticInts(ctx.values[i]);
  if (!v || v.length !== 1) return 'unknown';
  if (length === undefined) return 'unknown';
  const p = v[0] < 0 ? v[0] + length : v[0];
  return p;
}

const sequenceEmpty: OpRule = {
  shape: (ctx) => ({ outputs: [sequenceOf([], { dtype: dtypeFromOnnxCode(attrInt(ctx.node, 'dtype', 1)) })] }),
  cost: zeroCost,
};

const sequenceConstruct: OpRule = {
  shape: (ctx) => ({ outputs: [sequenceOf(ctx.node.inputs.map((_, i) => input(ctx, i)))] }),
  cost: zeroCost,
};

const sequenceInsert: OpRule = {
  shape: (ctx) => {
    const s = seqInput(ctx, 0);
    const t = input(ctx, 1);
    const n = s.elements?.length;
    const p = position(ctx, 2, n, n);
    if (s.elements && typeof p === 'number' && s.elements.length < MAX_ELEMENTS) {
      if (p < 0 || p > s.elements.length) throw new RuleError(`SequenceInsert position ${p} is out of range for ${s.elements.length} elements`);
      const els = [...s.elements];
      els.splice(p, 0, t);
      return { outputs: [sequenceOf(els)] };
    }
    return { outputs: [sequenceOf(undefined, join(s.elements?.length === 0 ? undefined : elem(s), t))] };
  },
  cost: zeroCost,
};

const sequenceErase: OpRule = {
  shape: (ctx) => {
    const s = seqInput(ctx, 0);
    const n = s.elements?.length;
    const p = position(ctx, 1, n, n === undefined ? undefined : n - 1);
    if (s.elements && typeof p === 'number') {
      if (p < 0 || p >= s.elements.length) throw new RuleError(`SequenceErase position ${p} is out of range for ${s.elements.length} elements`);
      return { outputs: [sequenceOf(s.elements.filter((_, i) => i !== p), elem(s))] };
    }
    return { outputs: [sequenceOf(undefined, elem(s))] };
  },
  cost: zeroCost,
};

const sequenceAt: OpRule = {
  shape: (ctx) => {
    const s = seqInput(ctx, 0);
    const p = position(ctx, 1, s.elements?.length, undefined);
    if (s.elements && typeof p === 'number') {
      if (p < 0 || p >= s.elements.length) throw new RuleError(`SequenceAt position ${p} is out of range for ${s.elements.length} elements`);
      return { outputs: [s.elements[p]] };
    }
    return { outputs: [elem(s)] };
  },
  cost: zeroCost,
};

const sequenceLength: OpRule = {
  shape: (ctx) => {
    const s = seqInput(ctx, 0);
    return { outputs: [{ dtype: 'int64', shape: [] }], values: [s.elements ? cv('int64', [], [s.elements.length]) : undefined] };
  },
  cost: zeroCost,
};

/** SplitToSequence: like Split, but into one sequence; without `split` each element is one slice (axis kept with keepdims). */
const splitToSequence: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const axis = normAxis(attrInt(ctx.node, 'axis', 0), x.shape.length);
    const d = x.shape[axis];
    const part = (len: Dim, keep = true): TensorType => ({ dtype: x.dtype, shape: keep ? x.shape.map((e, i) => (i === axis ? len : e)) : x.shape.filter((_, i) => i !== axis) });
    if (!has(ctx, 1)) {
      const keep = attrInt(ctx.node, 'keepdims', 1) === 1;
      const els = typeof d === 'number' && d <= MAX_ELEMENTS ? Array.from({ length: d }, () => part(1, keep)) : undefined;
      return { outputs: [sequenceOf(els, part(1, keep))] };
    }
    const split = staticInts(ctx.values[1]);
    const rank = ctx.inputs[1]?.shape?.length;
    if (split && rank === 0 && typeof d === 'number' && (split[0] <= 0 || Math.ceil(d / split[0]) <= MAX_ELEMENTS)) {
      const k = split[0];
      if (k <= 0) throw new RuleError(`SplitToSequence split ${k}`);
      return { outputs: [sequenceOf(Array.from({ length: Math.ceil(d / k) }, (_, i) => part(Math.min(k, d - i * k))))] };
    }
    if (split && rank === 1) return { outputs: [sequenceOf(split.map((k) => part(k)))] };
    if (split && rank === 0) return { outputs: [sequenceOf(undefined, part(split[0] === 0 ? 0 : unknownDim()))] };
    return { outputs: [sequenceOf(undefined, part(unknownDim()))] };
  },
  cost: zeroCost,
};

/** ConcatFromSequence: Concat (new_axis=0) or Stack (new_axis=1) of the elements. */
const concatFromSequence: OpRule = {
  shape: (ctx) => {
    const s = seqInput(ctx, 0);
    const stack = attrInt(ctx.node, 'new_axis', 0) === 1;
    if (!s.shape) return { outputs: [{ dtype: s.dtype }] };
    const r = s.shape.length + (stack ? 1 : 0);
    const axis = normAxis(attrInt(ctx.node, 'axis', 0), r);
    const shape = [...s.shape];
    const els = s.elements;
    if (stack) shape.splice(axis, 0, els ? els.length : unknownDim());
    else if (els && els.length > 0 && els.every((e) => e.shape?.length === s.shape!.length)) shape[axis] = els.reduce((acc: Dim, e) => dimAdd(acc, e.shape![axis]), 0);
    else shape[axis] = unknownDim();
    return { outputs: [{ dtype: s.dtype, shape }] };
  },
  cost: zeroCost,
};

function bodyOf(ctx: RuleContext): Graph {
  const a = ctx.node.attrs.body;
  if (a?.kind !== 'graph') throw new RuleError('SequenceMap without a body graph');
  if (!ctx.runSubgraph) throw new RuleError('subgraphs cannot be analysed here');
  return a.value;
}

/**
 * SequenceMap (opset 17): the body runs once per element of the first sequence, with the matching
 * element of every other sequence input (tensor inputs are passed whole). Outputs are sequences of the
 * body's outputs; with known elements the body is run per element for exact element types.
 */
function sequenceMapRuns(ctx: RuleContext) {
  const g = bodyOf(ctx);
  const first = seqInput(ctx, 0);
  const n = first.elements?.length;
  const argsAt = (k: number | undefined) => ctx.inputs.map((t) => {
    if (!t?.container) return t;
    if (k !== undefined && t.elements && t.elements.length === n) return t.elements[k];
    return elem(t);
  });
  const runs = n !== undefined && n <= 64 ? Array.from({ length: n }, (_, k) => ctx.runSubgraph!(g, argsAt(k))) : [ctx.runSubgraph!(g, argsAt(undefined))];
  return { runs, n };
}

const sequenceMap: OpRule = {
  shape: (ctx) => {
    const { runs, n } = sequenceMapRuns(ctx);
    const outputs = ctx.node.outputs.map((_, o) => {
      if (n !== undefined && runs.length === n) return sequenceOf(runs.map((r) => r.outputs[o] ?? { dtype: 'unknown' }), { dtype: 'unknown' });
      const t = runs[0].outputs[o];
      return sequenceOf(undefined, t ? elem(t) : undefined);
    });
    return { outputs };
  },
  cost: (ctx) => {
    const { runs, n } = sequenceMapRuns(ctx);
    const notCosted = runs.flatMap((r) => r.notCosted);
    if (n !== undefined && runs.length === n) return { macs: runs.reduce((a: Dim, r) => dimAdd(a, r.macs), 0), flops: runs.reduce((a: Dim, r) => dimAdd(a, r.flops), 0), notCosted };
    const len = unknownDim();
    return { macs: dimMul(runs[0].macs, len), flops: dimMul(runs[0].flops, len), notCosted, notes: ['SequenceMap over a sequence of unknown length: cost is per element times that length'] };
  },
};

/** Optional (opset 15): wraps its input, or makes an empty optional of the `type` attribute. */
const optional: OpRule = {
  shape: (ctx) => {
    if (has(ctx, 0)) {
      const t = ctx.inputs[0];
      if (!t) return { outputs: [{ dtype: 'unknown', container: 'optional' }] };
      if (t.container === 'optional' || t.container === 'optional-sequence') throw new RuleError('Optional of an optional');
      return { outputs: [{ ...t, container: t.container === 'sequence' ? 'optional-sequence' : 'optional' }] };
    }
    const a = ctx.node.attrs.type;
    if (a?.kind !== 'type') throw new RuleError('Optional without an input needs a type attribute');
    const t = a.value;
    return { outputs: [{ dtype: t.dtype, ...(t.shape ? { shape: t.shape } : {}), container: t.container === 'sequence' ? 'optional-sequence' : 'optional' }] };
  },
  cost: zeroCost,
};

const optionalHasElement: OpRule = {
  shape: (ctx) => {
    const t = ctx.inputs[0];
    // No input, or a value that is not an optional (a tensor or sequence always has its element).
    const known = !has(ctx, 0) ? 0 : t && t.dtype !== 'unknown' && !t.container?.startsWith('optional') ? 1 : undefined;
    return { outputs: [{ dtype: 'bool', shape: [] }], values: [known === undefined ? undefined : cv('bool', [], [known])] };
  },
  cost: zeroCost,
};

const optionalGetElement: OpRule = {
  shape: (ctx) => {
    const t = ctx.inputs[0];
    if (!t) throw new RuleError(`input "${ctx.node.inputs[0]}" has an unknown type`);
    const { container, ...rest } = t;
    const inner = container === 'optional-sequence' ? 'sequence' : container === 'optional' ? undefined : container;
    return { outputs: [inner ? { ...rest, container: inner } : rest], values: [ctx.values[0]] };
  },
  cost: zeroCost,
};

/** Identity passes any value through: tensor, sequence or optional, with its known value. */
const identity: OpRule = {
  shape: (ctx) => {
    const t = ctx.inputs[0];
    if (!t) throw new RuleError(`input "${ctx.node.inputs[0]}" has an unknown type`);
    return { outputs: [t], values: [ctx.values[0]] };
  },
  cost: zeroCost,
};

export const SEQUENCE_RULES: RuleTable = {
  SequenceEmpty: sequenceEmpty,
  SequenceConstruct: sequenceConstruct,
  SequenceInsert: sequenceInsert,
  SequenceErase: sequenceErase,
  SequenceAt: sequenceAt,
  SequenceLength: sequenceLength,
  SplitToSequence: splitToSequence,
  ConcatFromSequence: concatFromSequence,
  SequenceMap: sequenceMap,
  Optional: optional,
  OptionalHasElement: optionalHasElement,
  OptionalGetElement: optionalGetElement,
  Identity: identity,
};
