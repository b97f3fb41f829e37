import type { Analysis, LayerAnalysis, TensorSummary } from '../../src/core/analysis/types';
import type { Motif } from '../../src/core/motifs/types';
import { h } from '../dom';
import type { Group } from '../model/collapse';
import { bytes, countValue, grouped, human, percent, shapeText } from '../model/format';
import { msText, type LayerTime } from '../model/measured';
import { outputBytes } from '../model/metrics';
import { FAMILY_LABEL, opFamily } from '../model/opFamily';
import type { AttributeView, HintView, NodeDetailsView, TensorView, WeightStats } from '../protocol';
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

/**
 * Inputs / outputs: one block per tensor, name and full `dtype [shape]` on their own lines, wrapping at
 * any character when they must (never cut: a 12-dim shape or a 200-character ONNX name reads whole).
 */
function tensorRows(ts: TensorSummary[], link2: (t: TensorSummary) => Node | null, weights: Set<string>): HTMLElement {
  return h('ul', { class: 'plain tensor-list' }, ...ts.map((t) => h('li', { class: 'tensor-item' },
    h('div', { class: 'tensor-name mono' }, t.name || '(omitted)', weights.has(t.name) ? h('span', { class: 'muted', text: ' · weight' }) : null),
    h('div', { class: 'tensor-type' }, h('span', { class: 'muted', text: `${t.dtype} ` }), h('span', { class: 'mono', text: shapeText(t.shape) }), ' ', link2(t)))));
}

/** "first 16 of 1,000: [..]" — a values preview says how much of the tensor it is. */
function valuesLine(t: TensorView): HTMLElement | null {
  if (t.values !== undefined) {
    const all = t.shape.reduce((n, d) => n * d, 1);
    const what = t.valuesShown !== undefined && t.valuesShown < all ? `first ${grouped(t.valuesShown)} of ${grouped(all)}` : `all ${grouped(all)}`;
    return h('div', { class: 'tensor-values' }, h('span', { class: 'muted', text: `values (${what}) ` }), h('span', { class: 'mono', text: t.values }));
  }
  return t.valuesNote ? h('div', { class: 'muted', text: t.valuesNote }) : null;
}

/** An initializer or a tensor attribute: dtype and full shape, bytes, where it is stored, first values. */
function tensorBlock(t: TensorView, showName: boolean): HTMLElement {
  return h('div', { class: 'tensor-block' },
    showName ? h('div', { class: 'tensor-name mono', text: t.name }) : null,
    h('div', { class: 'tensor-type' }, h('span', { class: 'muted', text: `${t.dtype} ` }), h('span', { class: 'mono', text: `[${t.shape.join(', ')}]` }),
      t.bytes !== null ? h('span', { class: 'muted', text: ` · ${bytes(t.bytes)}${t.bytes >= 1024 ? ` (${grouped(t.bytes)} B)` : ''}` }) : null),
    h('div', { class: 'tensor-storage muted', text: t.storage }),
    valuesLine(t));
}

function attributeValue(a: AttributeView): Node {
  if (a.tensor) return tensorBlock(a.tensor, false);
  if (a.graphs?.length) {
    return h('div', {}, ...a.graphs.map((g) => h('details', { class: 'subgraph' },
      h('summary', { class: 'wrap', text: a.graphs!.length === 1 ? a.text : `graph "${g.name}": ${g.nodes.length} nodes` }),
      h('div', { class: 'muted wrap', text: `inputs ${g.inputs.join(', ') || '—'} · outputs ${g.outputs.join(', ') || '—'}` }),
      h('ol', { class: 'subgraph-nodes' }, ...g.nodes.map((n) => h('li', {}, h('span', { text: n.type }), n.name ? h('span', { class: 'muted mono', text: ` ${n.name}` }) : null))))));
  }
  return h('span', { class: 'mono wrap', text: a.text });
}

function attributesTable(as: AttributeView[]): HTMLElement {
  return h('table', { class: 'kv attrs' }, ...as.map((a) => h('tr', { attrs: { 'data-attr': a.name } },
    h('th', { class: 'wrap', text: a.name, title: a.kind }),
    h('td', {}, attributeValue(a)))));
}

/** "−128K (−87% of the layer · −0.5% of the model)": the lens shows the first, the model cares about the second. */
function deltaText(d: number | string, layerBase: number, modelBase: number): string {
  if (typeof d === 'string') return d;
  if (d === 0) return '0';
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
      ['Δ weights', hint.deltaWeightBytes === 0 ? '0' : `${hint.deltaWeightBytes < 0 ? '−' : '+'}${bytes(Math.abs(hint.deltaWeightBytes))}`],
      ...(hint.error !== undefined ? [['error', hint.error.toExponential(2)] as [string, string]] : []),
    ]),
    hint.detail ? h('p', { class: 'muted', text: hint.detail }) : null,
    h('div', { class: 'buttons' },
      button('Preview', () => act.previewHint(hint.id)),
      button('Apply', () => act.applyHint(hint.id), { secondary: true })));
}

export function layerDetails(
  a: Analysis, l: LayerAnalysis, opts: {
    details?: NodeDetailsView; motifs: Motif[]; hints: HintView[]; stats: StatsState;
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
  const weightNames = new Set((opts.details?.initializers ?? []).map((t) => t.name));
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
    opts.details?.attributes.length ? section('Attributes', attributesTable(opts.details.attributes)) : null,
    section('Inputs', tensorRows(l.inputs, (t) => {
      const p = opts.producer(t.name);
      return p ? link(`← ${p.type}`, () => act.reveal(p.id), p.name) : null;
    }, weightNames)),
    section('Outputs', tensorRows(l.outputs, (t) => {
      const cs = opts.consumers(t.name);
      if (cs.length === 0) return null;
      const first = cs[0];
      return h('span', {}, link(`→ ${first.type}`, () => act.reveal(first.id), first.name), cs.length > 1 ? ` +${cs.length - 1}` : '');
    }, new Set())),
    opts.details?.initializers.length ? section('Weights', ...opts.details.initializers.map((t) => tensorBlock(t, true))) : null,
    opts.motifs.length ? section('Part of', h('ul', { class: 'plain' }, ...opts.motifs.map((m) => h('li', {},
      h('span', { class: `chip motif-chip motif-${m.kind}`, text: m.label }), ` ${m.layers.length} layers`)))) : null,
    l.params > 0 ? section('Weight statistics', statsView(opts.stats)) : null,
  );
}

function statsView(st: StatsState): HTMLElement {
  if (!st || st.pending) return h('div', { class: 'muted', text: 'Computing…' });
  if (st.error) return h('div', { class: 'error', text: st.error });
  if (!st.stats?.length) return h('div', { class: 'muted', text: 'No weights.' });
  const f = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(4) : x.toExponential(2));
  // Fixed layout at the panel's width: the weight's name and shape get a row of their own, the five
  // numbers share the next; nothing runs off to the side.
  return h('table', { class: 'grid stats' },
    h('thead', {}, h('tr', {}, ...['min', 'max', 'mean', 'std', 'zeros'].map((c) => h('th', { class: 'num', text: c })))),
    h('tbody', {}, ...st.stats.flatMap((w) => [
      h('tr', { class: 'stats-name' }, h('td', { attrs: { colspan: 5 } }, h('span', { class: 'mono wrap', text: w.name }), h('span', { class: 'muted', text: ` ${shapeText(w.shape)}` }))),
      h('tr', {},
        h('td', { class: 'num', text: f(w.min) }), h('td', { class: 'num', text: f(w.max) }),
        h('td', { class: 'num', text: f(w.mean) }), h('td', { class: 'num', text: f(w.std) }),
        h('td', { class: 'num', text: w.sparsity === 0 ? '0' : `${(100 * w.sparsity).toFixed(1)}%` })),
    ])));
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
