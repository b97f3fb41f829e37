import { h } from '../dom';
import type { HeatMetric } from '../protocol';
import { FAMILY_LABEL, type OpFamily } from '../model/opFamily';
import { heatColor, METRIC_LABEL, metricText } from '../model/metrics';
import { runText, type MeasuredIndex } from '../model/measured';

/** Heat legend (log-scale ramp with end values) or the op-family key when heat is off. */
export function legend(metric: HeatMetric, range: { min: number; max: number } | undefined, families: OpFamily[], measured?: MeasuredIndex): HTMLElement {
  // The measured heat says which run it shows, and says so plainly when there is none (yet).
  if (metric === 'time' && (!measured || !range)) {
    return h('div', { class: 'legend heat measured-none', attrs: { 'data-metric': 'time' } },
      h('div', { class: 'legend-title', text: 'Measured time per layer' }),
      h('div', { class: 'muted', text: measured ? 'The benchmark timed no layer of this graph.' : 'No measurement yet: Measure runs the model.' }));
  }
  if (metric === 'none' || !range) {
    return h('div', { class: 'legend families', attrs: { 'data-metric': 'none' } },
      ...families.map((f) => h('span', { class: `fam-key fam-${f}` }, h('span', { class: 'swatch' }), FAMILY_LABEL[f])));
  }
  const ramp = h('div', { class: 'ramp' });
  const stops = Array.from({ length: 11 }, (_, i) => `${heatColor(i / 10)} ${i * 10}%`);
  ramp.style.background = `linear-gradient(to right, ${stops.join(', ')})`;
  const timed = metric === 'time' && measured;
  return h('div', { class: 'legend heat', attrs: { 'data-metric': metric } },
    h('div', { class: 'legend-title', text: `${METRIC_LABEL[metric]} per layer (log scale)` }),
    timed ? h('div', { class: 'legend-run', text: runText(measured.times), title: measured.times.method }) : null,
    ramp,
    h('div', { class: 'ramp-labels' }, h('span', { text: metricText(metric, range.min) }), h('span', { text: metricText(metric, range.max) })),
    h('div', { class: 'legend-na' }, h('span', { class: 'swatch na' }),
      timed ? 'no time of its own (fused into another kernel, or no kernel)' : 'zero, or no value (symbolic or not costed)'));
}
