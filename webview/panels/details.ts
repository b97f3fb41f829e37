import type { Analysis, LayerAnalysis, TensorSummary } from '../../src/core/analysis/types';
import type { Motif } from '../../src/core/motifs/types';
import { h } from '../dom';
import type { Group } from '../model/collapse';
import { bytes, countValue, grouped, human, percent, shapeText } from '../model/format';
import { msText, type LayerTime } from '../model/measured';
import { outputBytes } from '../model/metrics';
import { FAMILY_LABEL, opFamily } from '../model/opFamily';
import type { HintView, WeightStats } from '../protocol';
import { button, kvTable, link, section } from './common';

export interface DetailsActions {
  reveal(id: string): void;
  openSource(id: string): void;
  previewHint(id: string): void;
  applyHint(id: string): void;
  toggleGroup(id: string): void;
}

export type StatsState = { stats?: WeightStats[]; error?: string; pending?: boolean } | undefined;

/** The measured time of the shown layer, when a benchmark ran: the row next to its estimated MACs. */
export interface TimeInfo {
  time: LayerTime;
  /** Kernel time per run the share is of, ms. */
  totalMs: number;
  /** Display name of another layer (the kernel a fused layer ran in). */
  nameOf(id: string): string;
}

function timeRow(t: TimeInfo, act: DetailsActions): [string, string | Node, string?] {
  const x = t.time;
  switch (x.kind) {
    case 'measured': {
      const share = t.totalMs > 0 ? percent(x.ms, t.totalMs) : '';
      const fused = x.fused.length ? `incl. ${x.fused.length} fused: ${x.fused.map(t.nameOf).join(', ')}` : '';
      return ['Measured time', msText(x.ms), [share && `${share} of kernel time`, fused].filter(Boolean).join(' · ')];
    }
    case 'fused':
      return ['Measured time', link(`fused into ${t.nameOf(x.into)}`, () => act.reveal(x.into), 'Its time is counted in that kernel')];
    case 'inside':
      return ['Measured time', `part of ${x.scope}`, `${msText(x.ms)} for the nested model as a whole`];
    case 'noKernel':
      return ['Measured time', 'no kernel', 'folded or removed by the runtime\'s optimiser'];
    default:
      return ['Measured time', 'no data'];
  }
}

function tensorRows(ts: TensorSummary[], link2: (t: TensorSummary) => Node | null): HTMLElement {
  return h('table', { class: 'grid tensors' },
    h('tbody', {}, ...ts.map((t) => h('tr', {},
      h('td', { class: 'tname', title: t.name }, t.name || '(omitted)'),
      h('td', { class: 'mono', text: shapeText(t.shape) }),
      h('td', { class: 'muted', text: t.dtype }),
      h('td', {}, link2(t))))));
}

/** "−128K (−87% of the layer · −0.5% of the model)": the lens shows the first, the model cares about the second. */
function deltaText(d: number | string, layerBase: number, modelBase: number): string {
  if (typeof d === 'string') return d;
  const sign = d < 0 ? '−' : '+';
  const parts = [
    layerBase > 0 ? `${sign}${percent(Math.abs(d), layerBase)} of the layer${layerBase === modelBase ? '' : 's'}` : '',
    modelBase > 0 ? `${sign}${percent(Math.abs(d), modelBase)} of the model` : '',
  ].filter(Boolean);
  return `${sign}${human(Math.abs(d))}${parts.length ? ` (${parts.join(' · ')})` : ''}`;
}

export function hintCard(hint: HintView, a: Analysis, act: DetailsActions, focused: boolean): HTMLElement {
  const totalMacs = countValue(a.totals.macs) ?? 0;
  const touched = a.layers.filter((l) => hint.layerIds.includes(l.id));
  const layerParams = touched.reduce((n, l) => n + l.params, 0);
  const layerMacs = touched.reduce((n, l) => n + (countValue(l.macs) ?? 0), 0);
  return h('div', { class: `hint-card${focused ? ' focused' : ''}`, attrs: { 'data-hint': hint.id } },
    h('div', { class: 'hint-title' }, h('span', { class: 'bolt', text: '⚡' }), hint.title),
    h('div', { class: 'hint-kind', text: hint.kind === 'exact' ? 'exact' : hint.kind === 'approximate' ? 'approximate' : 'needs fine-tuning' }),
    kvTable([
      ['Δ params', deltaText(hint.deltaParams, layerParams, a.totals.params)],
      ['Δ MACs', deltaText(hint.deltaMacs, layerMacs, totalMacs)],
      ['Δ weights', `${hint.deltaWeightBytes < 0 ? '−' : '+'}${bytes(Math.abs(hint.deltaWeightBytes))}`],
      ...(hint.error !== undefined ? [['error', hint.error.toExponential(2)] as [string, string]] : []),
    ]),
    hint.detail ? h('p', { class: 'muted', text: hint.detail }) : null,
    h('div', { class: 'buttons' },
      button('Preview', () => act.previewHint(hint.id)),
      button('Apply', () => act.applyHint(hint.id), { secondary: true })));
}

export function layerDetails(
  a: Analysis, l: LayerAnalysis, opts: {
    attributes?: Record<string, string>; motifs: Motif[]; hints: HintView[]; stats: StatsState;
    consumers: (tensor: string) => LayerAnalysis[]; producer: (tensor: string) => LayerAnalysis | undefined;
    focusedHint?: string;
    time?: TimeInfo;
  }, act: DetailsActions,
): HTMLElement {
  const totalMacs = countValue(a.totals.macs) ?? 0;
  const macs = countValue(l.macs);
  const ob = outputBytes(l);
  const fam = opFamily(l.type, l.costed);
  const reason = a.notCosted.find((n) => n.name === l.name)?.reason;
  return h('div', { class: 'details' },
    h('div', { class: 'details-head' },
      h('div', { class: `op fam-${fam}` }, h('span', { class: 'swatch' }), h('span', { class: 'op-type', text: l.type })),
      h('div', { class: 'layer-name', title: l.name, text: l.name }),
      h('div', { class: 'muted', text: FAMILY_LABEL[fam] + (l.scope?.length ? ` · ${l.scope.join(' / ')}` : '') }),
      h('div', { class: 'buttons' }, button('Go to source', () => act.openSource(l.id), { secondary: true, title: 'Reveal this layer in its file' }))),
    opts.hints.length ? section('Optimization hints', ...opts.hints.map((x) => hintCard(x, a, act, x.id === opts.focusedHint))) : null,
    section('Cost', kvTable([
      ['Parameters', grouped(l.params), a.totals.params ? percent(l.params, a.totals.params) : undefined],
      ['MACs', grouped(l.macs), macs !== undefined ? percent(macs, totalMacs) : undefined],
      ...(opts.time ? [timeRow(opts.time, act)] : []),
      ['FLOPs', grouped(l.flops)],
      ['Weights', bytes(l.weightBytes)],
      ['Output', ob !== undefined ? bytes(ob) : '—'],
      ...(l.costed ? [] : [['Not costed', reason ?? 'no cost rule'] as [string, string]]),
    ])),
    opts.attributes && Object.keys(opts.attributes).length
      ? section('Attributes', kvTable(Object.entries(opts.attributes).map(([k, v]) => [k, v])))
      : null,
    section('Inputs', tensorRows(l.inputs, (t) => {
      const p = opts.producer(t.name);
      return p ? link(`← ${p.type}`, () => act.reveal(p.id), p.name) : null;
    })),
    section('Outputs', tensorRows(l.outputs, (t) => {
      const cs = opts.consumers(t.name);
      if (cs.length === 0) return null;
      const first = cs[0];
      return h('span', {}, link(`→ ${first.type}`, () => act.reveal(first.id), first.name), cs.length > 1 ? ` +${cs.length - 1}` : '');
    })),
    opts.motifs.length ? section('Part of', h('ul', { class: 'plain' }, ...opts.motifs.map((m) => h('li', {},
      h('span', { class: `chip motif-chip motif-${m.kind}`, text: m.label }), ` ${m.layers.length} layers`)))) : null,
    l.params > 0 ? section('Weight statistics', statsView(opts.stats)) : null,
  );
}

function statsView(st: StatsState): HTMLElement {
  if (!st || st.pending) return h('div', { class: 'muted', text: 'Computing…' });
  if (st.error) return h('div', { class: 'error', text: st.error });
  if (!st.stats?.length) return h('div', { class: 'muted', text: 'No weights.' });
  const f = (x: number) => (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(4) : x.toExponential(2));
  return h('table', { class: 'grid' },
    h('thead', {}, h('tr', {}, ...['weight', 'min', 'max', 'mean', 'std', 'zeros'].map((c) => h('th', { text: c })))),
    h('tbody', {}, ...st.stats.map((w) => h('tr', {},
      h('td', { class: 'tname', title: `${w.name} ${shapeText(w.shape)}`, text: w.name }),
      h('td', { class: 'num', text: f(w.min) }), h('td', { class: 'num', text: f(w.max) }),
      h('td', { class: 'num', text: f(w.mean) }), h('td', { class: 'num', text: f(w.std) }),
      h('td', { class: 'num', text: `${(100 * w.sparsity).toFixed(1)}%` })))));
}

/** `measuredMs`: the group's members' measured times summed, when a benchmark ran. */
export function groupDetails(a: Analysis, g: Group, layers: LayerAnalysis[], motifs: Motif[], open: boolean, act: DetailsActions, measuredMs?: number): HTMLElement {
  const totalMacs = countValue(a.totals.macs) ?? 0;
  const kinds = new Map<string, number>();
  for (const m of motifs) kinds.set(m.label, (kinds.get(m.label) ?? 0) + 1);
  const top = [...layers].sort((x, y) => (countValue(y.macs) ?? 0) - (countValue(x.macs) ?? 0)).slice(0, 8);
  return h('div', { class: 'details' },
    h('div', { class: 'details-head' },
      h('div', { class: `op fam-${g.family}` }, h('span', { class: 'swatch' }), h('span', { class: 'op-type', text: g.label })),
      h('div', { class: 'muted', text: `${g.members.length} layers${g.repeat ? ` · block ${g.repeat.index + 1} of ${g.repeat.count} identical` : ''}` }),
      h('div', { class: 'buttons' }, button(open ? 'Collapse' : 'Expand', () => act.toggleGroup(g.id)))),
    section('Cost', kvTable([
      ['Parameters', grouped(g.params), percent(g.params, a.totals.params)],
      ['MACs', grouped(g.macs), percent(g.macs, totalMacs)],
      ...(measuredMs !== undefined ? [['Measured time', msText(measuredMs), 'sum of its layers\' kernels'] as [string, string, string]] : []),
      ['FLOPs', grouped(g.flops)],
    ])),
    kinds.size ? section('Motifs', h('ul', { class: 'plain' }, ...[...kinds].map(([k, n]) => h('li', { text: `${n} × ${k}` })))) : null,
    section('Heaviest layers', h('ul', { class: 'plain' }, ...top.map((l) => h('li', {}, link(l.name || l.type, () => act.reveal(l.id)), h('span', { class: 'muted', text: ` ${l.type} · ${human(l.macs)} MACs` }))))),
  );
}
