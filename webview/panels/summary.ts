import type { Analysis } from '../../src/core/analysis/types';
import type { Motif, MotifKind } from '../../src/core/motifs/types';
import { h } from '../dom';
import { bytes, countValue, grouped, human, percent } from '../model/format';
import type { ExportFormat } from '../protocol';
import { displayName } from '../model/graphModel';
import { barChart, button, kvTable, section } from './common';

const MOTIF_TEXT: Record<MotifKind, [string, string]> = {
  residual: ['residual block', 'residual blocks'],
  'depthwise-separable': ['depthwise-separable pair', 'depthwise-separable pairs'],
  attention: ['attention block', 'attention blocks'],
  'squeeze-excitation': ['squeeze-excitation gate', 'squeeze-excitation gates'],
  repeated: ['repeated block', 'repeated blocks'],
};

export interface SummaryActions {
  reveal(id: string): void;
  export(format: ExportFormat): void;
  showMotif(kind: MotifKind): void;
}

/** `modelHints`: cards of the model-wide hints (INT8, clustering), shown here once. */
/** `repeated`: the repeated blocks the graph draws (instances, and sets of identical ones). */
export function summaryPanel(a: Analysis, motifs: Motif[], act: SummaryActions, modelHints: HTMLElement[] = [], repeated?: { blocks: number; sets: number }): HTMLElement {
  const t = a.totals;
  const totalMacs = countValue(t.macs) ?? 0;
  const counts = new Map<MotifKind, number>();
  for (const m of motifs) counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1);
  const repeatGroups = repeated ? repeated.sets : new Set(motifs.filter((m) => m.repeat).map((m) => m.repeat!.group)).size;
  const repeatBlocks = repeated ? repeated.blocks : counts.get('repeated') ?? 0;

  const topBy = (key: 'macs' | 'params') =>
    [...a.layers]
      .map((l) => ({ l, v: key === 'params' ? l.params : countValue(l.macs) ?? 0 }))
      .filter((x) => x.v > 0)
      .sort((x, y) => y.v - x.v)
      .slice(0, 10)
      .map(({ l, v }) => ({
        label: tail(displayName(l, 3) || l.name || l.type, 24), title: `${l.name} (${l.type})`, value: v,
        text: human(v), onClick: () => act.reveal(l.id),
      }));

  const types = Object.entries(a.details.byType)
    .map(([type, b]) => ({ type, ...b, m: countValue(b.macs) ?? 0 }))
    .sort((x, y) => y.m - x.m || y.params - x.params || y.count - x.count);

  const motifChips = h('div', { class: 'chips' },
    ...(['residual', 'depthwise-separable', 'attention', 'squeeze-excitation'] as MotifKind[]).map((k) => {
      const n = counts.get(k) ?? 0;
      const chip = h('span', { class: `chip motif-chip motif-${k}${n ? '' : ' zero'}`, attrs: { 'data-kind': k, 'data-count': n } },
        h('b', { text: String(n) }), ` ${MOTIF_TEXT[k][n === 1 ? 0 : 1]}`);
      if (n) chip.addEventListener('click', () => act.showMotif(k));
      return chip;
    }),
    repeatGroups
      ? h('span', { class: 'chip motif-chip motif-repeated', attrs: { 'data-kind': 'repeated', 'data-count': repeatBlocks } },
          h('b', { text: String(repeatBlocks) }), ` repeated blocks in ${repeatGroups} group${repeatGroups > 1 ? 's' : ''}`)
      : null);

  return h('div', { class: 'summary' },
    section('Totals', kvTable([
      ['Parameters', grouped(t.params), human(t.params)],
      ['MACs', grouped(t.macs), typeof t.macs === 'number' ? human(t.macs) : undefined],
      ['FLOPs', grouped(t.flops), typeof t.flops === 'number' ? human(t.flops) : undefined],
      ['Weights', bytes(t.weightBytes)],
      ['Peak activations', bytes(t.peakActivationBytes)],
      ['Layers', String(a.layers.length), a.notCosted.length ? `${a.notCosted.length} not costed` : undefined],
      ...(a.details.freeDims.length ? [['Free dims', a.details.freeDims.join(', ')] as [string, string]] : []),
      ...(Object.keys(a.details.boundDims).length
        ? [['Bound dims', Object.entries(a.details.boundDims).map(([k, v]) => `${k}=${v}`).join(', ')] as [string, string]]
        : []),
    ])),
    modelHints.length ? section('Model-wide hints', ...modelHints) : null,
    section('Structure', motifChips),
    section('Top layers by MACs', barChart(topBy('macs'))),
    section('Top layers by parameters', barChart(topBy('params'))),
    section('By op type', h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, ...['op', 'count', 'params', 'MACs', '%'].map((c) => h('th', { text: c })))),
      h('tbody', {}, ...types.map((r) => h('tr', {},
        h('td', { text: r.type }), h('td', { class: 'num', text: String(r.count) }),
        h('td', { class: 'num', text: human(r.params) }), h('td', { class: 'num', text: human(r.macs) }),
        h('td', { class: 'num', text: percent(r.m, totalMacs) })))))),
    a.notCosted.length
      ? section('Not costed', h('ul', { class: 'plain' }, ...a.notCosted.slice(0, 50).map((n) => h('li', {}, h('b', { text: n.name }), ` (${n.type}): ${n.reason}`))))
      : null,
    a.details.warnings.length ? section('Warnings', h('ul', { class: 'plain' }, ...a.details.warnings.map((w) => h('li', { text: w })))) : null,
    section('Export', h('div', { class: 'buttons' },
      button('Markdown', () => act.export('md'), { secondary: true, title: 'Per-layer report as Markdown' }),
      button('CSV', () => act.export('csv'), { secondary: true, title: 'Per-layer report as CSV' }),
      button('JSON', () => act.export('json'), { secondary: true, title: 'Per-layer report as JSON' }),
      button('SVG', () => act.export('svg'), { secondary: true, title: 'The graph as drawn, as SVG' }),
      button('PNG', () => act.export('png'), { secondary: true, title: 'The graph as drawn, as PNG' }))),
  );
}

/** Keep the end of a long name: the innermost scope is the part that tells layers apart. */
function tail(s: string, max: number): string {
  return s.length > max ? `…${s.slice(s.length - max + 1)}` : s;
}
