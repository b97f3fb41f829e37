import { dimAdd, dimDiv, dimMul, type Dim } from '../../ir/dim';
import { RuleError, type CostResult, type RuleContext } from '../types';
import { ROTARY_FLOPS, SOFTMAX_FLOPS } from './costConventions';
import { has, numel } from './util';

/**
 * The one cost of scaled dot-product attention, whatever op holds it (README "Cost conventions"):
 * QK^T and A·V are matmuls over the total sequence (past + new), the causal mask not exploited:
 * MACs = B · Hq · S · T · (E + Ev); FLOPs = 2 · MACs + softmax per score.
 */
export function sdpaCost(b: Dim, hq: Dim, s: Dim, t: Dim, e: Dim, ev: Dim): CostResult {
  const scores = dimMul(dimMul(dimMul(b, hq), s), t);
  const macs = dimAdd(dimMul(scores, e), dimMul(scores, ev));
  return { macs, flops: dimAdd(dimMul(2, macs), dimMul(SOFTMAX_FLOPS, scores)) };
}

/** Adds FLOPs to a cost (rotary embedding or bias terms fused into an attention op). */
export function plusFlops(c: CostResult, flops: Dim): CostResult {
  return { ...c, flops: dimAdd(c.flops, flops) };
}

/** Rotary embedding FLOPs on a tensor of these dims: 3 per rotated element (2 mul + 1 add). */
export function rotaryFlops(shape: readonly Dim[], rotatedFraction = 1): Dim {
  const n = numel(shape);
  return rotatedFraction === 1 ? dimMul(ROTARY_FLOPS, n) : dimMul(ROTARY_FLOPS * rotatedFraction, n);
}

/** An integer scalar input known at analysis time (total_sequence_length, past_sequence_length). */
export function scalarInput(ctx: RuleContext, i: number): Dim | undefined {
  if (!has(ctx, i)) return undefined;
  const v = ctx.values[i];
  return v && v.values.length === 1 ? v.values[0] : undefined;
}

/** a / b, exact for numbers (a model whose hidden size is not a multiple of its heads is malformed). */
export function exactDiv(a: Dim, b: Dim, what: string): Dim {
  if (typeof a === 'number' && typeof b === 'number') {
    if (b <= 0 || a % b !== 0) throw new RuleError(`${what}: ${a} is not divisible by ${b}`);
    return a / b;
  }
  return dimDiv(a, b);
}
