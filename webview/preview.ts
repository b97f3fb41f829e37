/**
 * The optimization preview: a diff graph of the rewritten region (removed red, new green, changed
 * amber, neighbours grey), the table of deltas (before / after / Δ), the pass's knobs (numbers update
 * when they change), Apply / Measure / Cancel, and the measured before/after once Measure ran.
 * Messages validated by protocol.ts like the graph view's.
 */
import type { Count } from '../src/core/analysis/types';
import { clear, h, s } from './dom';
import { simpleLayout } from './graph/simpleLayout';
import { grouped, human } from './model/format';
import { compareSection } from './panels/compareSection';
import { parseHostMessage, PROTOCOL_VERSION, type CompareView, type DiffNode, type PreviewView, type WebviewToHost } from './protocol';

/** 1.5 MiB, 1000 KiB (format.ts's bytes() shows 1023.9 KiB as 1.00e+3). */
function bytesText(n: number): string {
  const a = Math.abs(n);
  const units: [number, string][] = [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
  for (const [v, u] of units) if (a >= v) return `${(n / v).toFixed(a / v >= 100 ? 0 : a / v >= 10 ? 1 : 2)} ${u}`;
  return `${n} B`;
}

const KIND_TEXT = { exact: 'exact — same outputs', approximate: 'approximate — outputs change by the measured error', 'needs-fine-tuning': 'needs fine-tuning — retrain after applying' } as const;

function delta(before: Count, after: Count, fmt: (n: number) => string): { text: string; pct: string; cls: string } {
  if (typeof before !== 'number' || typeof after !== 'number') return { text: `(${after}) − (${before})`, pct: '', cls: '' };
  const d = after - before;
  const sign = d < 0 ? '−' : d > 0 ? '+' : '';
  const pct = before > 0 && d !== 0 ? `${sign}${((100 * Math.abs(d)) / before).toFixed(1)}%` : '';
  return { text: `${sign}${fmt(Math.abs(d))}`, pct, cls: d < 0 ? 'better' : d > 0 ? 'worse' : '' };
}

export class PreviewApp {
  private view: PreviewView | undefined;
  /** The knob the user last moved (passes take one knob at a time: rank > energy > ratio). */
  private knobs: Record<string, number> = {};
  private timer = 0;
  /** The last measured comparison, and whether one is running (its progress text). */
  private compare: CompareView | undefined;
  private measuring: string | undefined;
  private compareError: string | undefined;
  private els: { head: HTMLElement; status: HTMLElement; table: HTMLElement; compare: HTMLElement; knobs: HTMLElement; graph: HTMLElement; buttons: HTMLElement };

  constructor(private root: HTMLElement, private vscode: VsCodeApi) {
    root.classList.add('preview-app');
    const head = h('div', { class: 'preview-head' });
    const status = h('div', { class: 'preview-status muted', attrs: { id: 'preview-status', 'aria-live': 'polite' } });
    const table = h('div', { class: 'preview-table' });
    const compare = h('div', { class: 'preview-compare', attrs: { id: 'preview-compare', 'aria-live': 'polite' } });
    const knobs = h('div', { class: 'preview-knobs' });
    const buttons = h('div', { class: 'buttons preview-buttons' });
    const graph = h('div', { class: 'preview-graph', attrs: { id: 'preview-graph' } });
    root.append(
      h('header', { class: 'toolbar' }, head),
      h('div', { class: 'preview-main' },
        h('aside', { class: 'preview-side' }, h('h3', { text: 'Deltas' }), table, knobs, status, buttons, compare),
        h('div', { class: 'preview-graph-pane' }, h('div', { class: 'preview-legend' },
          ...(['removed', 'added', 'changed', 'context'] as const).map((st) => h('span', { class: `legend-item diff-${st}` }, h('span', { class: 'swatch' }), st === 'context' ? 'unchanged' : st === 'added' ? 'new' : st))), graph)));
    this.els = { head, status, table, compare, knobs, graph, buttons };
    window.addEventListener('message', (e) => this.onMessage(e.data));
    this.post({ type: 'ready', version: PROTOCOL_VERSION });
  }

  private post(m: WebviewToHost): void {
    this.vscode.postMessage(m);
  }

  private onMessage(data: unknown): void {
    const p = parseHostMessage(data);
    if (!p.ok) {
      this.post({ type: 'log', level: 'error', message: `invalid message: ${p.error}` });
      return;
    }
    const m = p.msg;
    if (m.type === 'preview') {
      this.view = m.preview;
      this.render();
      this.root.removeAttribute('aria-busy');
      this.root.dataset.ready = String(Number(this.root.dataset.ready ?? 0) + 1);
    } else if (m.type === 'busy') {
      this.els.status.textContent = m.message;
      this.els.status.classList.remove('error');
    } else if (m.type === 'error') {
      this.els.status.textContent = m.message;
      this.els.status.classList.add('error');
      this.root.removeAttribute('aria-busy');
    } else if (m.type === 'compare') {
      this.measuring = m.running;
      this.compareError = m.error;
      if (m.compare) this.compare = m.compare;
      this.renderCompare();
      if (this.view) this.renderButtons(this.view);
      if (!m.running) this.root.dataset.measured = String(Number(this.root.dataset.measured ?? 0) + 1);
    }
  }

  private renderCompare(): void {
    clear(this.els.compare);
    this.els.compare.append(compareSection({ compare: this.compare, running: this.measuring, error: this.compareError, current: this.view?.knobs ?? [] }));
  }

  private render(): void {
    const v = this.view!;
    clear(this.els.head);
    this.els.head.append(h('span', { class: 'bolt', text: '⚡' }), h('span', { class: 'title', text: v.title, title: v.title }),
      h('span', { class: `chip kind-${v.kind}`, text: v.kind === 'needs-fine-tuning' ? 'needs fine-tuning' : v.kind }));
    this.els.status.textContent = '';
    this.els.status.classList.remove('error');
    this.renderTable(v);
    this.renderKnobs(v);
    this.renderButtons(v);
    this.renderCompare();
    this.renderGraph(v);
  }

  private renderTable(v: PreviewView): void {
    clear(this.els.table);
    const rows: [string, Count, Count, (n: number) => string][] = [
      ['Parameters', v.before.params, v.after.params, (n) => grouped(n)],
      ['MACs', v.before.macs, v.after.macs, (n) => human(n)],
      ['FLOPs', v.before.flops, v.after.flops, (n) => human(n)],
      ['Weight bytes', v.before.weightBytes, v.after.weightBytes, (n) => bytesText(n)],
    ];
    const fmt = (c: Count, f: (n: number) => string) => (typeof c === 'number' ? f(c) : c);
    this.els.table.append(h('table', { class: 'grid delta-table', attrs: { id: 'delta-table' } },
      h('thead', {}, h('tr', {}, ...['', 'before', 'after', 'Δ', ''].map((c) => h('th', { text: c })))),
      h('tbody', {}, ...rows.map(([label, b, a, f]) => {
        const d = delta(b, a, f);
        return h('tr', { attrs: { 'data-metric': label } },
          h('th', { text: label }),
          h('td', { class: 'num', text: fmt(b, f) }),
          h('td', { class: 'num', text: fmt(a, f) }),
          h('td', { class: `num delta ${d.cls}`, text: d.text }),
          h('td', { class: `num delta ${d.cls}`, text: d.pct }));
      }))),
    h('table', { class: 'kv' },
      h('tr', {}, h('th', { text: 'Kind' }), h('td', { text: KIND_TEXT[v.kind] })),
      h('tr', {}, h('th', { text: 'Measured error' }), h('td', { attrs: { id: 'measured-error' }, text: v.error !== undefined ? `${(100 * v.error).toFixed(2)}% (relative Frobenius, worst layer)` : 'not measured (computed on apply)' })),
      v.omitted ? h('tr', {}, h('th', { text: 'Diff' }), h('td', { text: `${v.omitted} more changed nodes not drawn` })) : null));
  }

  private renderKnobs(v: PreviewView): void {
    clear(this.els.knobs);
    if (!v.knobs.length) return;
    this.els.knobs.append(h('h3', { text: 'Knobs' }));
    for (const k of v.knobs) {
      const value = h('span', { class: 'knob-value mono', text: String(k.value) });
      const input = h('input', { attrs: { type: 'range', min: k.min, max: k.max, step: k.step, value: k.value, 'aria-label': k.label, 'data-knob': k.name } }) as HTMLInputElement;
      input.value = String(k.value);
      input.addEventListener('input', () => {
        value.textContent = input.value;
        this.knobs = { [k.name]: Number(input.value) };
        clearTimeout(this.timer);
        this.timer = window.setTimeout(() => {
          this.els.status.textContent = 'Recomputing…';
          this.post({ type: 'previewKnobs', knobs: this.knobs });
        }, 200);
      });
      this.els.knobs.append(h('label', { class: 'knob' }, h('span', { class: 'knob-name', text: k.name, title: k.label }), input, value),
        h('div', { class: 'muted knob-label', text: k.label }));
    }
  }

  private renderButtons(v: PreviewView): void {
    clear(this.els.buttons);
    const apply = h('vscode-button', { text: 'Apply', title: v.applyDisabled ?? 'Apply this rewrite to the model (undo with Ctrl+Z)', attrs: { id: 'preview-apply', disabled: !!v.applyDisabled } });
    apply.addEventListener('click', () => {
      if (v.applyDisabled) return;
      this.els.status.textContent = 'Applying…';
      this.post({ type: 'previewApply', knobs: this.knobs });
    });
    const cancel = h('vscode-button', { text: 'Cancel', attrs: { id: 'preview-cancel', secondary: true } });
    cancel.addEventListener('click', () => this.post({ type: 'previewCancel' }));
    const measureOff = v.measureDisabled ?? (this.measuring ? 'Measuring… (cancel it from its notification)' : undefined);
    const measure = h('vscode-button', { text: this.measuring ? 'Measuring…' : 'Measure', attrs: { id: 'preview-measure', secondary: true, disabled: !!measureOff } });
    measure.addEventListener('click', () => {
      if (v.measureDisabled || this.measuring) return;
      this.measuring = 'Starting…';
      this.compareError = undefined;
      this.renderCompare();
      this.renderButtons(v);
      this.post({ type: 'previewMeasure', knobs: this.knobs });
    });
    // A disabled vscode-button takes no pointer events: the reason goes on a wrapper that does.
    const measureWrap = h('span', { class: 'measure-wrap', title: measureOff ?? 'Run the original and the compressed model on the same seeded inputs: latency, size and output difference' }, measure);
    this.els.buttons.append(apply, measureWrap, cancel);
    if (v.applyDisabled) this.els.buttons.append(h('div', { class: 'muted', text: v.applyDisabled }));
    if (v.measureDisabled && v.measureDisabled !== v.applyDisabled) this.els.buttons.append(h('div', { class: 'muted', text: v.measureDisabled }));
  }

  private renderGraph(v: PreviewView): void {
    const pane = this.els.graph;
    clear(pane);
    const W = 200;
    const H = 40;
    const byId = new Map(v.nodes.map((n) => [n.id, n]));
    const edges = v.nodes.flatMap((n) => n.from.filter((f) => byId.has(f)).map((f) => ({ id: `${f}->${n.id}`, from: f, to: n.id })));
    const layout = simpleLayout({ nodes: v.nodes.map((n) => ({ id: n.id, width: W, height: H })), edges }, 28, 36);
    const pad = 16;
    const svg = s('svg', { class: 'diff-graph', width: layout.width + 2 * pad, height: layout.height + 2 * pad, viewBox: `${-pad} ${-pad} ${layout.width + 2 * pad} ${layout.height + 2 * pad}`, role: 'img', 'aria-label': 'Diff of the rewrite' },
      s('defs', {}, s('marker', { id: 'pv-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,1 L9,5 L0,9 z', class: 'arrow' }))));
    for (const e of edges) {
      const pts = layout.edges.get(e.id);
      if (!pts) continue;
      const removed = byId.get(e.from)?.status === 'removed' || byId.get(e.to)?.status === 'removed';
      svg.appendChild(s('path', { class: `edge${removed ? ' edge-removed' : ''}`, d: `M${pts[0].x},${pts[0].y} L${pts[pts.length - 1].x},${pts[pts.length - 1].y}`, 'marker-end': 'url(#pv-arrow)' }));
    }
    for (const n of v.nodes) {
      const b = layout.nodes.get(n.id);
      if (!b) continue;
      svg.appendChild(this.node(n, b.x, b.y, W, H));
    }
    pane.append(svg);
  }

  private node(n: DiffNode, x: number, y: number, w: number, hh: number): SVGGElement {
    const room = Math.max(8, 27 - n.type.length);
    const name = n.name.length > room ? `…${n.name.slice(-(room - 1))}` : n.name;
    const sub = n.status === 'changed' && n.paramsBefore !== undefined
      ? `${human(n.paramsBefore)} → ${human(n.params)} params`
      : `${human(n.params)} params · ${human(n.macs)} MACs`;
    const g = s('g', { class: `diff-node diff-${n.status}`, transform: `translate(${x},${y})` },
      s('title', {}, `${n.status}: ${n.type} ${n.name}`),
      s('rect', { class: 'body', width: w, height: hh, rx: 5 }),
      s('text', { class: 'title', x: 10, y: 16 }, `${n.type}  ${name}`),
      s('text', { class: 'subtitle', x: 10, y: 31 }, sub));
    g.dataset.id = n.id;
    g.dataset.status = n.status;
    return g;
  }
}
