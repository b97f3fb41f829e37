import type { Analysis, LayerAnalysis } from '../../src/core/analysis/types';
import type { Motif } from '../../src/core/motifs/types';
import { escapeCsvField, escapeMarkdownCell } from './escape';
import { grouped, shapeText } from './format';
import { outputBytes } from './metrics';

const COLUMNS = ['name', 'type', 'params', 'macs', 'flops', 'weightBytes', 'outputShapes', 'costed'] as const;

function row(l: LayerAnalysis): string[] {
  return [
    l.name, l.type, String(l.params), String(l.macs), String(l.flops), String(l.weightBytes),
    l.outputs.map((t) => shapeText(t.shape)).join(' '), l.costed ? 'yes' : 'no',
  ];
}

export function reportCsv(a: Analysis): string {
  const lines = [COLUMNS.join(',')];
  for (const l of a.layers) lines.push(row(l).map(escapeCsvField).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function reportMarkdown(a: Analysis, motifs: Motif[] = []): string {
  const fileName = a.file.split(/[\\/]/).pop() ?? a.file;
  const t = a.totals;
  const out = [
    `# ModelLens report: ${escapeMarkdownCell(fileName)}`,
    '',
    `| total | value |`,
    `|---|---|`,
    `| parameters | ${grouped(t.params)} |`,
    `| MACs | ${escapeMarkdownCell(grouped(t.macs))} |`,
    `| FLOPs | ${escapeMarkdownCell(grouped(t.flops))} |`,
    `| weight bytes | ${grouped(t.weightBytes)} |`,
    `| peak activation bytes | ${escapeMarkdownCell(grouped(t.peakActivationBytes))} |`,
    `| layers | ${a.layers.length} |`,
    '',
  ];
  if (motifs.length) {
    const counts = new Map<string, number>();
    for (const m of motifs) counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1);
    out.push(`Structure: ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}`, '');
  }
  out.push(`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map(() => '---').join('|')}|`);
  for (const l of a.layers) out.push(`| ${row(l).map(escapeMarkdownCell).join(' | ')} |`);
  if (a.notCosted.length) {
    out.push('', '## Not costed', '');
    for (const n of a.notCosted) out.push(`- ${escapeMarkdownCell(n.name)} (${escapeMarkdownCell(n.type)}): ${escapeMarkdownCell(n.reason)}`);
  }
  return out.join('\n') + '\n';
}

export function reportJson(a: Analysis, motifs: Motif[] = []): string {
  const layers = a.layers.map((l) => ({
    id: l.id, name: l.name, type: l.type, params: l.params, macs: l.macs, flops: l.flops,
    weightBytes: l.weightBytes, outputBytes: outputBytes(l) ?? null,
    outputs: l.outputs.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })), costed: l.costed,
  }));
  return JSON.stringify({ file: a.file, format: a.format, totals: a.totals, layers, motifs, notCosted: a.notCosted }, null, 2) + '\n';
}
