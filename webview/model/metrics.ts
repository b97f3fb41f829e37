import type { LayerAnalysis } from '../../src/core/analysis/types';
import type { HeatMetric } from '../protocol';
import { bytes, countValue, human } from './format';
import { msText, type MeasuredIndex } from './measured';

const DTYPE_BYTES: Record<string, number> = {
  float64: 8, int64: 8, uint64: 8, complex64: 8, complex128: 16,
  float32: 4, int32: 4, uint32: 4, float16: 2, bfloat16: 2, int16: 2, uint16: 2,
  int8: 1, uint8: 1, bool: 1,
};

/**
 * Bytes of the tensors a layer writes: the "activation memory" heat. The analysis gives the shapes
 * and dtypes; this is only their product, for colouring. Undefined when a dim is symbolic.
 */
export function outputBytes(l: LayerAnalysis): number | undefined {
  let total = 0;
  for (const t of l.outputs) {
    if (!t.shape) return undefined;
    let n = 1;
    for (const d of t.shape) {
      if (typeof d !== 'number') return undefined;
      n *= d;
    }
    const b = DTYPE_BYTES[t.dtype];
    if (b === undefined) return undefined;
    total += n * b;
  }
  return total;
}

/** A layer's heat value; 'time' needs the measured times (undefined for layers without their own). */
export function metricValue(l: LayerAnalysis, m: HeatMetric, measured?: MeasuredIndex): number | undefined {
  switch (m) {
    case 'time': return measured?.ms.get(l.id);
    case 'params': return l.params;
    case 'macs': return countValue(l.macs);
    case 'flops': return countValue(l.flops);
    case 'activation': return outputBytes(l);
    case 'weightBytes': return l.weightBytes;
    default: return undefined;
  }
}

export const METRIC_LABEL: Record<HeatMetric, string> = {
  none: 'Op family', params: 'Parameters', macs: 'MACs', flops: 'FLOPs', activation: 'Activation memory', weightBytes: 'Weight bytes', time: 'Measured time',
};

export function metricText(m: HeatMetric, v: number): string {
  return m === 'activation' || m === 'weightBytes' ? bytes(v) : m === 'time' ? msText(v) : human(v);
}

/**
 * Heat in 0..1 on a log scale: layer costs span six orders of magnitude, a linear scale would show
 * one hot node and a cold graph.
 */
export function heatScale(values: number[]): { max: number; min: number; t(v: number): number } {
  const pos = values.filter((v) => v > 0);
  const max = pos.length ? Math.max(...pos) : 0;
  const min = pos.length ? Math.min(...pos) : 0;
  const lmax = Math.log10(max || 1);
  const lmin = Math.log10(min || 1);
  return {
    max, min,
    t(v: number): number {
      if (!(v > 0) || max === 0) return 0;
      if (lmax === lmin) return 1;
      return Math.max(0, Math.min(1, (Math.log10(v) - lmin) / (lmax - lmin)));
    },
  };
}

/** Cold-to-hot ramp (viridis-like stops that stay legible on dark and light backgrounds). */
const STOPS: [number, number, number][] = [
  [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37], [240, 120, 40], [220, 50, 47],
];

function heatRgb(t: number): number[] {
  const x = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  return STOPS[i].map((a, k) => Math.round(a + (STOPS[i + 1][k] - a) * f));
}

export function heatColor(t: number): string {
  const c = heatRgb(t);
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** True when dark text reads better than white on heatColor(t) (WCAG relative luminance). */
export function heatIsLight(t: number): boolean {
  const [r, g, b] = heatRgb(t).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.3;
}
