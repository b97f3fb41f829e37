/**
 * The preview's measured before/after: latency (median, p90), speedup, file size and how far each
 * output moved, from running both models on the same seeded inputs (host: src/extension/previewMeasure.ts).
 */
import { h } from '../dom';
import { bytes } from '../model/format';
import { msText } from '../model/measured';
import type { CompareView, KnobView } from '../protocol';

export interface CompareState {
  compare?: CompareView;
  /** Progress text while a measurement runs. */
  running?: string;
  error?: string;
  /** The knobs the preview shows now: a result measured at other values is marked stale. */
  current: KnobView[];
}

function num(x: number | null): string {
  if (x === null) return '—';
  if (x === 0) return '0';
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(3) : x.toExponential(2);
}

function speedupText(s: number): { text: string; cls: string } {
  if (!(s > 0) || !Number.isFinite(s)) return { text: '—', cls: '' };
  // Within 3 % is noise for a 20-run median on a shared CPU: say so instead of a winner.
  if (Math.abs(s - 1) < 0.03) return { text: `${s.toFixed(2)}× (no change)`, cls: '' };
  return s > 1 ? { text: `${s.toFixed(2)}× faster`, cls: 'better' } : { text: `${(1 / s).toFixed(2)}× slower`, cls: 'worse' };
}

function sizeDelta(before: number, after: number): { text: string; cls: string } {
  if (!(before > 0)) return { text: '', cls: '' };
  const d = (100 * (after - before)) / before;
  return { text: `${d < 0 ? '−' : d > 0 ? '+' : ''}${Math.abs(d).toFixed(1)}%`, cls: d < 0 ? 'better' : d > 0 ? 'worse' : '' };
}

function knobsText(k: Record<string, number>): string {
  return Object.entries(k).map(([n, v]) => `${n} ${v}`).join(', ');
}

function isStale(c: CompareView, current: KnobView[]): boolean {
  return Object.entries(c.knobs).some(([n, v]) => {
    const k = current.find((x) => x.name === n);
    return k !== undefined && k.value !== v;
  });
}

export function compareSection(s: CompareState): HTMLElement {
  const out = h('div', { class: 'compare' });
  if (s.running) out.append(h('div', { class: 'muted compare-status', text: `Measuring: ${s.running}` }));
  if (s.error) out.append(h('div', { class: 'error compare-status', attrs: { id: 'compare-error' }, text: s.error }));
  const c = s.compare;
  if (!c) {
    if (!s.running && !s.error) out.append(h('div', { class: 'muted', text: 'Measure runs both models on the same seeded random inputs: latency, size and output difference.' }));
    return out;
  }
  const sp = speedupText(c.speedup);
  const sz = sizeDelta(c.before.bytes, c.after.bytes);
  const stale = isStale(c, s.current);
  out.append(
    h('h3', { text: 'Measured' }),
    h('div', { class: `muted${stale ? ' stale' : ''}`, text: `${c.runtime} ${c.backend} · ${c.runs} runs each${Object.keys(c.knobs).length ? ` · at ${knobsText(c.knobs)}` : ''}${stale ? ' — knobs changed since: measure again' : ''}` }),
    h('table', { class: 'grid delta-table', attrs: { id: 'compare-table' } },
      h('thead', {}, h('tr', {}, ...['', 'before', 'after', 'Δ'].map((x) => h('th', { text: x })))),
      h('tbody', {},
        h('tr', { attrs: { 'data-metric': 'median' } }, h('th', { text: 'Latency median' }), h('td', { class: 'num', text: msText(c.before.medianMs) }), h('td', { class: 'num', text: msText(c.after.medianMs) }), h('td', { class: `num delta ${sp.cls}`, text: sp.text })),
        h('tr', { attrs: { 'data-metric': 'p90' } }, h('th', { text: 'Latency p90' }), h('td', { class: 'num', text: msText(c.before.p90Ms) }), h('td', { class: 'num', text: msText(c.after.p90Ms) }), h('td', {})),
        h('tr', { attrs: { 'data-metric': 'size' } }, h('th', { text: 'File size' }), h('td', { class: 'num', text: bytes(c.before.bytes) }), h('td', { class: 'num', text: bytes(c.after.bytes) }), h('td', { class: `num delta ${sz.cls}`, text: sz.text })))),
    h('table', { class: 'grid delta-table', attrs: { id: 'compare-outputs' } },
      h('thead', {}, h('tr', {}, ...['output', 'max |Δ|', 'relative L2'].map((x) => h('th', { text: x })))),
      h('tbody', {}, ...c.outputs.map((o) => h('tr', {},
        h('td', { class: 'tname', title: o.name, text: o.name }),
        h('td', { class: 'num', text: o.mismatch ? o.mismatch : num(o.maxAbs) }),
        h('td', { class: 'num', text: o.mismatch ? '' : o.relL2 === null ? '—' : `${num(100 * o.relL2)}%` }))))),
    ...c.notes.map((n) => h('div', { class: 'muted compare-note', text: n })),
  );
  return out;
}
