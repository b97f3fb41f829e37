import { dimAdd, dimDiv, dimMul, dimProduct, dimSub, isStatic, type Dim } from '../../ir/dim';
import type { TensorType } from '../../ir/graph';
import { RuleError } from '../types';
import type { Cost, KerasConfig } from './types';
import { table } from '../../tables';

export function num(cfg: KerasConfig, key: string, dflt: number): number {
  const v = cfg[key];
  return typeof v === 'number' ? v : dflt;
}

export function bool(cfg: KerasConfig, key: string, dflt: boolean): boolean {
  const v = cfg[key];
  return typeof v === 'boolean' ? v : dflt;
}

export function str(cfg: KerasConfig, key: string, dflt: string): string {
  const v = cfg[key];
  return typeof v === 'string' ? v : dflt;
}

/** An int or a tuple config value (kernel_size 3 or [3, 3]) as `rank` numbers. */
export function tuple(cfg: KerasConfig, key: string, rank: number, dflt: number): number[] {
  const v = cfg[key];
  if (typeof v === 'number') return Array(rank).fill(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) {
    if (v.length === rank) return v as number[];
    if (v.length === 1) return Array(rank).fill(v[0]);
  }
  if (v === undefined || v === null) return Array(rank).fill(dflt);
  throw new RuleError(`${key} must be an int or a list of ${rank} ints`);
}

export function shapeOf(t: TensorType | undefined, what = 'input'): Dim[] {
  if (!t || !t.shape) throw new RuleError(`${what} shape is unknown`);
  return t.shape;
}

export function one(inputs: TensorType[]): Dim[] {
  if (inputs.length < 1) throw new RuleError('layer has no input');
  return shapeOf(inputs[0]);
}

export function rankIs(s: Dim[], ranks: number[], layer: string): void {
  if (!ranks.includes(s.length)) throw new RuleError(`${layer} expects a rank-${ranks.join(' or ')} input (batch included), got rank ${s.length}`);
}

/** A dim a weight shape depends on: it must be a number for the layer to be buildable. */
export function staticDim(d: Dim, what: string): number {
  if (!isStatic(d)) throw new RuleError(`${what} is not static (${d.text}); the layer's weights cannot be sized`);
  return d;
}

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new RuleError(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function elems(s: Dim[]): Dim {
  return dimProduct(s);
}

export function sumElems(ts: TensorType[]): Dim {
  let n: Dim = 0;
  for (const t of ts) n = dimAdd(n, elems(shapeOf(t)));
  return n;
}

export function out(dtype: TensorType['dtype'], shape: Dim[]): TensorType {
  return { dtype, shape };
}

export const ZERO: Cost = { macs: 0, flops: 0 };

/** Cost of elementwise work: `perElem` FLOPs per output element, no MACs. */
export function elementwise(outputs: TensorType[], perElem = 1): Cost {
  return { macs: 0, flops: dimMul(sumElems(outputs), perElem) };
}

/** MACs plus the FLOP convention: 2 per MAC, plus `extra` (bias, activation) elementwise FLOPs. */
export function macCost(macs: Dim, extra: Dim = 0): Cost {
  return { macs, flops: dimAdd(dimMul(macs, 2), extra) };
}

/**
 * FLOPs per element of a Keras activation, on the ONNX table of rules/onnx/costConventions.ts
 * (relu 1, sigmoid 4, softmax 5, ...); swish/silu = sigmoid + mul.
 */
export const ACTIVATION_FLOPS: Record<string, number> = table({
  linear: 0, relu: 1, tanh: 1, exponential: 1, relu6: 2, leaky_relu: 2, hard_sigmoid: 3, elu: 3, softplus: 3,
  softsign: 3, sigmoid: 4, selu: 4, hard_swish: 4, hard_silu: 4, gelu: 5, mish: 5, softmax: 5, log_softmax: 5,
  swish: 5, silu: 5,
});

export function activationCost(a: unknown): number {
  if (a === undefined || a === null) return 0;
  const name = typeof a === 'string' ? a : typeof a === 'object' && a !== null && typeof (a as { class_name?: unknown }).class_name === 'string' ? String((a as { class_name: string }).class_name).toLowerCase() : '';
  return ACTIVATION_FLOPS[name] ?? 1;
}

/** FLOPs per element of a fused activation (the activation config key of Dense, Conv, ...). */
export function activationFlops(cfg: KerasConfig): number {
  return activationCost(cfg.activation);
}

/** Keras conv_output_length. */
export function convOutLen(len: Dim, k: number, padding: string, stride: number, dilation: number): Dim {
  const dk = (k - 1) * dilation + 1;
  if (padding === 'same' || padding === 'causal') return dimDiv(len, stride, 'ceil');
  if (padding === 'valid') {
    if (isStatic(len) && len - dk + 1 <= 0) return 0;
    return dimDiv(dimSub(len, dk - 1), stride, 'ceil');
  }
  if (padding === 'full') return dimDiv(dimAdd(len, dk - 1), stride, 'ceil');
  throw new RuleError(`unknown padding "${padding}"`);
}

/** Keras deconv_output_length (Conv*Transpose). */
export function deconvOutLen(len: Dim, k: number, padding: string, stride: number, dilation: number, outputPadding: number | undefined): Dim {
  const dk = (k - 1) * dilation + 1;
  if (outputPadding === undefined) {
    if (padding === 'valid') return dimAdd(dimMul(len, stride), Math.max(dk - stride, 0));
    if (padding === 'full') return dimSub(dimMul(len, stride), stride + dk - 2);
    if (padding === 'same') return dimMul(len, stride);
    throw new RuleError(`unknown padding "${padding}"`);
  }
  const pad = padding === 'same' ? Math.floor(dk / 2) : padding === 'valid' ? 0 : dk - 1;
  return dimAdd(dimSub(dimMul(dimSub(len, 1), stride), 2 * pad), dk + outputPadding);
}

/** Spatial dims and channel dim of an N-d input, for either data format. */
export function splitChannels(s: Dim[], cfg: KerasConfig): { spatial: Dim[]; channels: Dim; first: boolean } {
  const first = str(cfg, 'data_format', 'channels_last') === 'channels_first';
  return first ? { spatial: s.slice(2), channels: s[1], first } : { spatial: s.slice(1, -1), channels: s[s.length - 1], first };
}

export function joinChannels(batch: Dim, spatial: Dim[], channels: Dim, first: boolean): Dim[] {
  return first ? [batch, channels, ...spatial] : [batch, ...spatial, channels];
}

export function product(ns: number[]): number {
  return ns.reduce((a, b) => a * b, 1);
}
