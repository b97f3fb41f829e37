/** Text of code lenses, hovers and the status bar: pure functions of an Analysis (unit-tested). */
import type { Analysis, Count, LayerAnalysis, TensorSummary } from '../core/analysis/types';
import { human, humanBytes } from '../cli/format';

/** Share of the model's MACs, when both are static numbers: "6.4%", "<0.1%". */
export function macsShare(macs: Count, total: Count): string | undefined {
  if (typeof macs !== 'number' || typeof total !== 'number' || !(total > 0)) return undefined;
  const p = (100 * macs) / total;
  if (p === 0) return '0%';
  return p < 0.1 ? '<0.1%' : `${p.toFixed(1)}%`;
}

/** `Conv2D · 73.7K params · 115.6M MACs (6.4%)` */
export function layerLensTitle(layer: LayerAnalysis, totals: Analysis['totals']): string {
  if (!layer.costed) return `${layer.type} · ${human(layer.params)} params · not costed`;
  const share = macsShare(layer.macs, totals.macs);
  return `${layer.type} · ${human(layer.params)} params · ${human(layer.macs)} MACs${share ? ` (${share})` : ''}`;
}

/** `ModelLens: 2.5M params · 56.2M MACs · 9.8 MiB weights` */
export function totalsTitle(a: Analysis): string {
  const nc = a.notCosted.length ? ` · ${a.notCosted.length} not costed` : '';
  return `ModelLens: ${human(a.totals.params)} params · ${human(a.totals.macs)} MACs · ${humanBytes(a.totals.weightBytes)} weights${nc}`;
}

export function statusText(a: Analysis): string {
  return `${human(a.totals.params)} params · ${human(a.totals.macs)} MACs`;
}

function shape(t: TensorSummary): string {
  return t.shape === null ? '?' : `[${t.shape.join(', ')}]`;
}

/** Markdown for a hover on a layer. Names come from the model file: escape Markdown. */
export function layerHoverMarkdown(layer: LayerAnalysis, totals: Analysis['totals']): string {
  const esc = (s: string) => s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
  const share = macsShare(layer.macs, totals.macs);
  const lines = [
    `**${esc(layer.name)}** · ${esc(layer.type)}`,
    '',
    `| | |`,
    `|---|---|`,
    `| inputs | ${layer.inputs.map((t) => esc(shape(t))).join(', ') || '—'} |`,
    `| outputs | ${layer.outputs.map((t) => esc(shape(t))).join(', ') || '—'} |`,
    `| params | ${layer.params.toLocaleString('en-US')} |`,
    `| MACs | ${esc(typeof layer.macs === 'number' ? layer.macs.toLocaleString('en-US') : layer.macs)}${share ? ` (${share})` : ''} |`,
    `| FLOPs | ${esc(typeof layer.flops === 'number' ? layer.flops.toLocaleString('en-US') : layer.flops)} |`,
    `| weights | ${humanBytes(layer.weightBytes)} |`,
  ];
  if (!layer.costed) lines.push('', '_not costed_');
  return lines.join('\n');
}
