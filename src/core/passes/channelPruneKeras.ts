// Keras form of channel-prune: a Conv2D's filters or a Dense's units cut to the channels with the largest
// L1 norm, every layer that reads those channels adapted (channels-last throughout: the channel is the
// last axis of every activation and the fastest-varying index of every kernel).
import type { Model, Node, TensorType } from '../ir/graph';
import type { LazyTensor } from '../ir/tensor';
import { inferModel, kerasConfig } from './common';
import { GraphIndex, cloneModel, dropAlong, pruneUnused } from './graphEdit';
import type { RewriteOptions } from './types';
import { readWeights } from './weights';

/**
 * What follows the pruned channels forward:
 * - `out` the producer (kernel last axis, bias; `filters`/`units` in its config),
 * - `vec` BatchNormalization (every 1-D weight),
 * - `dw` DepthwiseConv2D with depth_multiplier 1 (kernel [h,w,in,1] axis 2, bias; the channels pass through),
 * - `in` the next Conv2D (HWIO, axis 2) or Dense ([in,out], axis 0; after Flatten the rows (h·W + w)·C + c).
 */
export type KerasPruneEdit =
  | { kind: 'out'; node: Node; removed: number[] }
  | { kind: 'vec' | 'dw' | 'in'; node: Node; removed: number[] };

export interface KerasPrunePlan {
  producer: Node;
  channels: number;
  edits: KerasPruneEdit[];
  /** Values whose last dimension shrinks, with the size it had. */
  values: Map<string, number>;
}

/** Layers that act per channel (or per position) with no weights: the pruned channels pass through. */
const PASS_THROUGH = new Set([
  'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'ThresholdedReLU',
  'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization',
  'MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D', 'AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D',
  'GlobalAveragePooling1D', 'GlobalAveragePooling2D', 'GlobalAveragePooling3D', 'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'GlobalMaxPooling3D',
  'ZeroPadding1D', 'ZeroPadding2D', 'ZeroPadding3D', 'Cropping1D', 'Cropping2D', 'Cropping3D', 'UpSampling1D', 'UpSampling2D', 'UpSampling3D',
]);

const channelsLast = (n: Node) => (kerasConfig(n).data_format ?? 'channels_last') === 'channels_last';
const lastAxis = (ax: unknown, rank: number) => {
  const a = Array.isArray(ax) && ax.length === 1 ? ax[0] : ax;
  return a === -1 || a === rank - 1;
};

export function kerasTypes(model: Model): Map<string, TensorType> {
  return inferModel(model).types;
}

const weightOf = (n: Node, re: RegExp) => n.weights?.find((w) => re.test(w));
const KERNEL = /(^|\/)kernel(:\d+)?$/;
const BIAS = /(^|\/)bias(:\d+)?$/;
const DW_KERNEL = /(^|\/)depthwise_kernel(:\d+)?$/;

/** The pruned layer's kernel and output channel count, or undefined when it is not a candidate. */
function producerKernel(model: Model, ix: GraphIndex, n: Node): LazyTensor | undefined {
  if (n.domain !== 'keras' || n.attrs.not_costed_reason || n.inputs.length !== 1) return undefined;
  const cfg = kerasConfig(n);
  if (n.opType === 'Conv2D') {
    if ((cfg.groups ?? 1) !== 1 || !channelsLast(n)) return undefined;
  } else if (n.opType !== 'Dense') return undefined;
  const k = weightOf(n, KERNEL);
  const t = k ? model.graph.initializers.get(k) : undefined;
  if (!t || t.dtype !== 'float32' || t.dims.length !== (n.opType === 'Dense' ? 2 : 4) || t.dims[t.dims.length - 1] < 4) return undefined;
  // A shared layer (several calls, one set of weights) is left alone.
  if ((n.weights ?? []).some((w) => ix.uses(w).length !== 1)) return undefined;
  if ((n.weights ?? []).some((w) => w !== k && !BIAS.test(w))) return undefined;
  return t;
}

/**
 * Follows `removed` output channels of `producer` forward. Undefined when some dependent layer cannot
 * follow: a model output, a residual join (Add, Multiply, ... — coupled groups are not pruned in Keras),
 * a channel-mixing or reshaping layer, an unknown layer, a shared weight.
 */
export function kerasPlan(model: Model, ix: GraphIndex, tys: Map<string, TensorType>, producer: Node, removed: number[]): KerasPrunePlan | undefined {
  const g = model.graph;
  const kt = producerKernel(model, ix, producer);
  if (!kt) return undefined;
  const C = kt.dims[kt.dims.length - 1];
  const edits: KerasPruneEdit[] = [{ kind: 'out', node: producer, removed }];
  const values = new Map<string, number>();
  const seen = new Set<string>([producer.id]);
  const own = (n: Node) => (n.weights ?? []).every((w) => ix.uses(w).length === 1 && g.initializers.get(w)?.dtype === 'float32');
  const shapeOf = (v: string) => tys.get(v)?.shape;
  const lastDim = (v: string) => {
    const s = shapeOf(v);
    const d = s?.[s.length - 1];
    return typeof d === 'number' ? d : undefined;
  };

  const forward = (v: string, rem: number[]): boolean => {
    const c = lastDim(v);
    if (c === undefined || ix.outputs.has(v) || values.has(v)) return false;
    values.set(v, c);
    const rank = shapeOf(v)!.length;
    for (const u of ix.uses(v)) {
      if (u.domain !== 'keras' || u.attrs.not_costed_reason || seen.has(u.id)) return false;
      seen.add(u.id);
      const cfg = kerasConfig(u);
      const single = u.inputs.length === 1 && u.inputs[0] === v;
      if (PASS_THROUGH.has(u.opType)) {
        if (!single || (u.weights ?? []).length || !channelsLast(u) || u.outputs.length !== 1) return false;
        if (u.opType === 'Activation' && /softmax|log_softmax/.test(String(cfg.activation))) return false;
        if (!forward(u.outputs[0], rem)) return false;
      } else if (u.opType === 'BatchNormalization') {
        if (!single || !lastAxis(cfg.axis ?? -1, rank) || !own(u)) return false;
        if (!(u.weights ?? []).every((w) => g.initializers.get(w)!.dims.length === 1 && g.initializers.get(w)!.dims[0] === c)) return false;
        edits.push({ kind: 'vec', node: u, removed: rem });
        if (!forward(u.outputs[0], rem)) return false;
      } else if (u.opType === 'DepthwiseConv2D') {
        const k = weightOf(u, DW_KERNEL);
        const t = k ? g.initializers.get(k) : undefined;
        if (!single || !channelsLast(u) || !own(u) || !t || t.dims.length !== 4 || t.dims[2] !== c || t.dims[3] !== 1) return false;
        if ((u.weights ?? []).some((w) => w !== k && !BIAS.test(w))) return false;
        edits.push({ kind: 'dw', node: u, removed: rem });
        if (!forward(u.outputs[0], rem)) return false;
      } else if (u.opType === 'Conv2D' || u.opType === 'Dense') {
        const k = weightOf(u, KERNEL);
        const t = k ? g.initializers.get(k) : undefined;
        const axis = u.opType === 'Dense' ? 0 : 2;
        if (!single || !own(u) || !t || t.dims.length !== axis + 2 || t.dims[axis] !== c) return false;
        if (u.opType === 'Conv2D' && ((cfg.groups ?? 1) !== 1 || !channelsLast(u))) return false;
        edits.push({ kind: 'in', node: u, removed: rem });
      } else if (u.opType === 'Flatten') {
        const s = shapeOf(v)!;
        if (!single || !channelsLast(u) || !s.slice(1).every((d) => typeof d === 'number')) return false;
        // Channels-last flatten: feature (position p, channel ch) is p·C + ch.
        const positions = (s.slice(1, -1) as number[]).reduce((a, b) => a * b, 1);
        const feats: number[] = [];
        for (let p = 0; p < positions; p++) for (const r of rem) feats.push(p * c + r);
        if (!forward(u.outputs[0], feats)) return false;
      } else if (u.opType === 'Concatenate') {
        if (!lastAxis(cfg.axis ?? -1, rank) || u.inputs.filter((i) => i === v).length !== 1) return false;
        let offset = 0;
        for (const i of u.inputs) {
          if (i === v) break;
          const d = lastDim(i);
          if (d === undefined) return false;
          offset += d;
        }
        if (!forward(u.outputs[0], rem.map((r) => r + offset))) return false;
      } else return false;
    }
    return true;
  };

  if (producer.outputs.length !== 1 || !forward(producer.outputs[0], removed)) return undefined;
  return { producer, channels: C, edits, values };
}

export function kerasCandidates(model: Model): KerasPrunePlan[] {
  const ix = new GraphIndex(model.graph);
  const tys = kerasTypes(model);
  const out: KerasPrunePlan[] = [];
  for (const n of model.graph.nodes) {
    const p = producerKernel(model, ix, n) && kerasPlan(model, ix, tys, n, [0]);
    if (p) out.push(p);
  }
  return out;
}

/** How many of `channels` the ratio removes (at least one, never all). */
export function prunedCount(channels: number, ratio: number): number {
  return Math.min(channels - 1, Math.max(1, Math.round(channels * ratio)));
}

/**
 * Prunes one Keras layer: the `count` output channels of smallest L1 norm (with weights; the first
 * `count` in a structure-only rewrite, which has the same shapes).
 */
export async function pruneKerasOne(model: Model, producerId: string, ratio: number, opts: RewriteOptions): Promise<Model> {
  const g0 = model.graph;
  const ix = new GraphIndex(g0);
  const producer = ix.byId.get(producerId);
  const kt = producer && producerKernel(model, ix, producer);
  if (!producer || !kt) throw new Error(`layer ${producerId} cannot be pruned in this model`);
  const C = kt.dims[kt.dims.length - 1];
  const count = prunedCount(C, ratio);
  let removed = Array.from({ length: count }, (_, i) => i);
  if (opts.withWeights) {
    const W = await readWeights(kt);
    const l1 = new Float64Array(C);
    const sq = new Float64Array(C);
    for (let i = 0; i < W.length; i++) {
      l1[i % C] += Math.abs(W[i]);
      sq[i % C] += W[i] * W[i];
    }
    removed = Array.from(l1, (s, c) => [s, c] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, count).map((x) => x[1]).sort((a, b) => a - b);
    const all = sq.reduce((a, b) => a + b, 0);
    const gone = removed.reduce((a, c) => a + sq[c], 0);
    opts.onError?.({ layer: producer.id, relError: all > 0 ? Math.sqrt(gone / all) : 0 });
  }
  const p = kerasPlan(model, ix, kerasTypes(model), producer, removed);
  if (!p) throw new Error(`layer ${producerId} cannot be pruned in this model`);
  const out = cloneModel(model);
  const g = out.graph;
  const slice = async (name: string, axis: number, rem: number[]) => {
    const t = g.initializers.get(name)!;
    g.initializers.set(name, dropAlong(t.name, t, opts.withWeights ? await readWeights(t) : undefined, axis, rem));
  };
  for (const e of p.edits) {
    const at = g.nodes.findIndex((q) => q.id === e.node.id);
    const n = g.nodes[at];
    for (const w of n.weights ?? []) {
      const rank = g.initializers.get(w)!.dims.length;
      if (e.kind === 'out') await slice(w, rank - 1, e.removed);
      else if (e.kind === 'vec') await slice(w, 0, e.removed);
      else if (e.kind === 'dw') await slice(w, rank === 1 ? 0 : 2, e.removed);
      else if (KERNEL.test(w)) await slice(w, n.opType === 'Dense' ? 0 : 2, e.removed);
    }
    if (e.kind === 'out') {
      const key = n.opType === 'Dense' ? 'units' : 'filters';
      g.nodes[at] = { ...n, attrs: { ...n.attrs, config: { kind: 'json', value: { ...kerasConfig(n), [key]: C - count } } } };
    }
  }
  for (const v of p.values.keys()) g.valueInfo.delete(v);
  pruneUnused(g);
  return out;
}
