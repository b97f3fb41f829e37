import type { Dim } from '../../ir/dim';
import type { TensorType } from '../../ir/graph';
import type { ConstValue, OpRule, RuleContext } from '../types';

/**
 * Contrib ops that are a standard op with extra inputs (QLinear* interleave scales and zero points)
 * or another layout (NHWC) reuse the standard rule through these adapters instead of a copy of it.
 */

/** The context a standard rule sees: only the given input slots, in that order, and maybe another opset. */
export function subContext(ctx: RuleContext, slots: readonly number[], opset = ctx.opset): RuleContext {
  const values: (ConstValue | undefined)[] = new Array(slots.length).fill(undefined);
  // Keep values lazy: a rule that never asks reads no initializer.
  slots.forEach((s, i) => Object.defineProperty(values, i, { get: () => ctx.values[s], enumerable: true }));
  return {
    ...ctx,
    node: { ...ctx.node, inputs: slots.map((s) => ctx.node.inputs[s] ?? '') },
    inputs: slots.map((s) => ctx.inputs[s]),
    values,
    opset,
  };
}

/** A rule applied to a subset of the node's inputs; `slots` may depend on the node (variadic ops). */
export function onInputs(rule: OpRule, slots: readonly number[] | ((ctx: RuleContext) => number[]), opts: { opset?: number; dtype?: (ctx: RuleContext) => TensorType['dtype'] } = {}): OpRule {
  const sub = (ctx: RuleContext) => subContext(ctx, typeof slots === 'function' ? slots(ctx) : slots, opts.opset ?? ctx.opset);
  return {
    shape: (ctx) => {
      const r = rule.shape(sub(ctx));
      if (!opts.dtype) return { outputs: r.outputs.slice(0, 1) };
      return { outputs: [{ ...r.outputs[0], dtype: opts.dtype(ctx) }] };
    },
    cost: (ctx, outs) => rule.cost(sub(ctx), outs),
  };
}

const toFirst = <T>(s: readonly T[]): T[] => [s[0], s[s.length - 1], ...s.slice(1, -1)];
const toLast = <T>(s: readonly T[]): T[] => [s[0], ...s.slice(2), s[1]];

/**
 * A channels-first rule on channels-last data: input `x` is seen as NCHW, the output turned back to
 * NHWC. `when` says whether this node is channels-last (e.g. the `channels_last` attribute).
 */
export function channelsLast(rule: OpRule, x: number, when: (ctx: RuleContext) => boolean = () => true): OpRule {
  const view = (ctx: RuleContext): RuleContext => {
    if (!when(ctx)) return ctx;
    const inputs = [...ctx.inputs];
    const t = inputs[x];
    if (t?.shape) inputs[x] = { ...t, shape: toFirst<Dim>(t.shape) };
    return { ...ctx, inputs };
  };
  const back = (ctx: RuleContext, outs: TensorType[]): TensorType[] => (when(ctx) ? outs.map((o, i) => (i === 0 && o.shape ? { ...o, shape: toLast<Dim>(o.shape) } : o)) : outs);
  const front = (ctx: RuleContext, outs: TensorType[]): TensorType[] => (when(ctx) ? outs.map((o, i) => (i === 0 && o.shape ? { ...o, shape: toFirst<Dim>(o.shape) } : o)) : outs);
  return {
    shape: (ctx) => {
      const r = rule.shape(view(ctx));
      return { outputs: back(ctx, r.outputs) };
    },
    cost: (ctx, outs) => rule.cost(view(ctx), front(ctx, outs)),
  };
}
