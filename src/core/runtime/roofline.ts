import type { Analysis, TensorSummary } from '../analysis/types';
import { byteSize, type DType } from '../ir/dtype';
import type { DeviceProfile, NodeEstimate, PerNodeTimes, RooflineEstimate } from './types';

/**
 * Roofline latency: each layer takes max(MACs / peak MAC/s, bytes / bandwidth), layers run one after
 * another, so the model takes their sum. Bytes are every input (activations and weights) read once and
 * every output written once; caches, fusion and per-kernel overhead are outside the model, which is
 * why the error against the measurement is reported next to it. Layers whose MACs or shapes are
 * symbolic or unknown count as uncosted and add nothing.
 */
export function rooflineEstimate(analysis: Analysis, device: DeviceProfile, measured?: { medianMs: number; perNode?: PerNodeTimes }): RooflineEstimate {
  const measuredById = new Map<string, number>();
  for (const n of measured?.perNode?.nodes ?? []) measuredById.set(n.id, n.ms);
  const nodes: NodeEstimate[] = [];
  let total = 0;
  let uncosted = 0;
  for (const l of analysis.layers) {
    const inBytes = tensorBytes(l.inputs, true);
    const outBytes = tensorBytes(l.outputs, false);
    if (!l.costed || typeof l.macs !== 'number' || inBytes === undefined || outBytes === undefined) {
      uncosted++;
      continue;
    }
    const bytes = inBytes + outBytes;
    const computeMs = (l.macs / device.macsPerSecond) * 1000;
    const memoryMs = (bytes / device.bytesPerSecond) * 1000;
    const est = Math.max(computeMs, memoryMs);
    total += est;
    const m = measuredById.get(l.id);
    nodes.push({ id: l.id, opType: l.type, macs: l.macs, bytes, estimatedMs: est, bound: computeMs >= memoryMs ? 'compute' : 'memory', ...(m !== undefined ? { measuredMs: m } : {}) });
  }
  const relativeError = measured && measured.medianMs > 0 ? (total - measured.medianMs) / measured.medianMs : undefined;
  // A model cannot beat the peak: if it does, the profile was measured while the machine was busy.
  const totalMacs = nodes.reduce((a, n) => a + n.macs, 0);
  const achieved = measured && measured.medianMs > 0 ? totalMacs / (measured.medianMs / 1000) : 0;
  const stale = achieved > device.macsPerSecond
    ? `the model ran at ${(achieved / 1e9).toFixed(1)} GMAC/s, above the profile's peak of ${(device.macsPerSecond / 1e9).toFixed(1)}: the device profile was probably measured under load; recalibrate`
    : undefined;
  return { device, estimatedMs: total, uncosted, ...(relativeError !== undefined ? { relativeError } : {}), ...(stale ? { staleProfile: stale } : {}), nodes };
}

/**
 * Bytes of a tensor list; undefined when a size is unknown or symbolic. Omitted optional inputs
 * (empty names) and one input listed twice (x*x) are counted once.
 */
function tensorBytes(ts: TensorSummary[], dedupe: boolean): number | undefined {
  let sum = 0;
  const seen = new Set<string>();
  for (const t of ts) {
    if (!t.name || (dedupe && seen.has(t.name))) continue;
    seen.add(t.name);
    if (!t.shape || t.shape.some((d) => typeof d !== 'number')) return undefined;
    const n = (t.shape as number[]).reduce((a, b) => a * b, 1);
    const b = byteSize(t.dtype as DType, n);
    if (b === undefined) return undefined;
    sum += b;
  }
  return sum;
}
