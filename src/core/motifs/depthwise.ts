import type { Analysis, LayerAnalysis, TensorSummary } from '../analysis/types';
import type { Motif } from './types';
import { between, succs, type FlowView } from './view';

const CONV_TYPES = new Set(['conv', 'conv1d', 'conv2d', 'conv3d', 'depthwiseconv2d', 'depthwiseconv1d', 'convolution2d']);

function isConv(l: LayerAnalysis): boolean {
  return CONV_TYPES.has(l.type.toLowerCase());
}

function staticShape(t: TensorSummary | undefined): number[] | undefined {
  if (!t || !t.shape || !t.shape.every((d) => typeof d === 'number')) return undefined;
  return t.shape as number[];
}

/** Channels of an activation: axis 1 in ONNX (NCHW), the last axis in Keras (channels_last). */
function channels(t: TensorSummary | undefined, format: Analysis['format']): number | undefined {
  const s = t?.shape;
  if (!s || s.length < 2) return undefined;
  const c = format === 'onnx' ? s[1] : s[s.length - 1];
  return typeof c === 'number' ? c : undefined;
}

interface ConvShape {
  cin?: number;
  cout?: number;
  /** Input channels each output channel sees (cin / groups). */
  perGroupIn?: number;
  kernel?: number[];
}

function convShape(v: FlowView, l: LayerAnalysis, format: Analysis['format']): ConvShape {
  const acts = v.activationInputs(l);
  const cin = channels(acts[0] ?? l.inputs[0], format);
  const cout = channels(l.outputs[0], format);
  // ONNX Conv lists its weight [Cout, Cin/groups, k...] as the second input when the analysis carries it.
  const w = format === 'onnx' ? staticShape(l.inputs[1]) : undefined;
  if (w && w.length >= 3) return { cin: cin ?? (w[1] === 1 ? w[0] : undefined), cout: cout ?? w[0], perGroupIn: w[1], kernel: w.slice(2) };
  if (cin === undefined || cout === undefined || cout === 0) return { cin, cout };
  // Without the weight's shape, params = Cout*(Cin/groups)*prod(k) (+Cout bias) pins down the product.
  for (const bias of [0, cout]) {
    const perOut = (l.params - bias) / cout;
    if (!Number.isInteger(perOut) || perOut <= 0) continue;
    if (perOut % cin === 0 && isSquare(perOut / cin)) return { cin, cout, perGroupIn: cin, kernel: sq(perOut / cin) };
    if (perOut < cin && isSquare(perOut)) return { cin, cout, perGroupIn: 1, kernel: sq(perOut) };
  }
  return { cin, cout };
}

function isSquare(n: number): boolean {
  const r = Math.round(Math.sqrt(n));
  return r * r === n;
}
function sq(n: number): number[] {
  const r = Math.round(Math.sqrt(n));
  return [r, r];
}

export function isDepthwise(v: FlowView, l: LayerAnalysis, format: Analysis['format']): boolean {
  if (/depthwise/i.test(l.type)) return true;
  if (!isConv(l)) return false;
  const s = convShape(v, l, format);
  return s.perGroupIn === 1 && (s.cin ?? 0) > 1 && (s.kernel ?? []).some((k) => k > 1);
}

export function isPointwise(v: FlowView, l: LayerAnalysis, format: Analysis['format']): boolean {
  if (!isConv(l) || /depthwise/i.test(l.type)) return false;
  const s = convShape(v, l, format);
  return !!s.kernel && s.kernel.every((k) => k === 1) && (s.perGroupIn ?? 0) > 1;
}

/**
 * A depthwise convolution followed, within a few layers (norm, activation, an SE gate), by a pointwise
 * 1×1 convolution. Keras's SeparableConv2D is the fused form and counts as one pair by itself.
 */
export function findDepthwiseSeparable(v: FlowView, format: Analysis['format']): Motif[] {
  const out: Motif[] = [];
  const used = new Set<string>();
  for (const l of v.layers) {
    if (/^separableconv/i.test(l.type)) {
      out.push({ id: `dwsep:${l.id}`, kind: 'depthwise-separable', label: 'dw-separable', layers: [l.id], anchor: l.id });
      continue;
    }
    if (!isDepthwise(v, l, format)) continue;
    const pw = nextPointwise(v, l.id, format, used);
    if (pw === undefined) continue;
    used.add(pw);
    out.push({
      id: `dwsep:${l.id}`, kind: 'depthwise-separable', label: 'dw-separable',
      layers: between(v, l.id, pw, 200), anchor: pw,
    });
  }
  return out;
}

function nextPointwise(v: FlowView, from: string, format: Analysis['format'], used: Set<string>): string | undefined {
  const depth = new Map<string, number>([[from, 0]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    const d = depth.get(id) ?? 0;
    for (const s of succs(v, id)) {
      if (depth.has(s)) continue;
      depth.set(s, d + 1);
      const sl = v.byId.get(s);
      if (!sl) continue;
      if (isConv(sl)) {
        if (!used.has(s) && isPointwise(v, sl, format)) return s;
        continue; // another conv ends this path
      }
      // The squeeze branch of an SE gate holds 1×1 convs on pooled vectors: not the pointwise half.
      if (/pool|reducemean/i.test(sl.type)) continue;
      if (d + 1 < 8) queue.push(s);
    }
  }
  return undefined;
}
