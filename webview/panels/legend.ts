import { h } from '../dom';
import type { HeatMetric } from '../protocol';
import { FAMILY_LABEL, type OpFamily } from '../model/opFamily';
import { heatColor, METRIC_LABEL, metricText } from '../model/metrics';

/** Heat legend (log-scale ramp with end values) or the op-family key when heat is off. */
export function legend(metric: HeatMetric, range: { min: number; max: number } | undefined, families: OpFamily[]): HTMLElement {
  if (metric === 'none' || !range) {
    return h('div', { class: 'legend families', attrs: { 'data-metric': 'none' } },
      ...families.map((f) => h('span', { class: `fam-key fam-${f}` }, h('span', { class: 'swatch' }), FAMILY_LABEL[f])));
  }
  const ramp = h('div', { class: 'ramp' });
  const stops = Array.from({ length: 11 }, (_, i) => `${heatColor(i / 10)} ${i * 10}%`);
  ramp.style.background = `linear-gradient(to right, ${stops.join(', ')})`;
  return h('div', { class: 'legend heat', attrs: { 'data-metric': metric } },
    h('div', { class: 'legend-title', text: `${METRIC_LABEL[metric]} per layer (log scale)` }),
    ramp,
    h('div', { class: 'ramp-labels' }, h('span', { text: metricText(metric, range.min) }), h('span', { text: metricText(metric, range.max) })),
    h('div', { class: 'legend-na' }, h('span', { class: 'swatch na' }), 'no value (symbolic or not costed)'));
}
