/**
 * Where the Keras JSON lenses go. Pure (no vscode): test/unit/extension/lensPlan.test.ts.
 *   - line 0: the totals, "Open graph", and each model-wide hint (INT8, clustering) once;
 *   - a layer's line: its cost lens and its ⚡ hints (each names its layer);
 *   - a line holding more than MAX_LAYERS_PER_LINE layers (minified JSON, most saved model.json files):
 *     no per-layer or hint lenses (they would pile up as one unreadable row); one "Format Document" lens
 *     for the whole file, and one lens saying how many hints the graph shows.
 */
export const MAX_LAYERS_PER_LINE = 2;
/** Hint lenses per layer line (the best first: the registry ranks them). */
const MAX_HINTS_PER_LINE = 3;

export interface PlannedLayer { id: string; line: number }
export interface PlannedHint { id: string; line: number | undefined; modelWide: boolean }

export type LensSlot =
  | { kind: 'layer'; line: number; layerId: string }
  | { kind: 'hint'; line: number; hintId: string }
  | { kind: 'format'; line: number; layers: number }
  | { kind: 'hintsInGraph'; line: number; hints: number };

export function planLenses(layers: PlannedLayer[], hints: PlannedHint[]): LensSlot[] {
  const byLine = new Map<number, PlannedLayer[]>();
  for (const l of layers) byLine.set(l.line, [...(byLine.get(l.line) ?? []), l]);
  const crowded = new Set([...byLine].filter(([, ls]) => ls.length > MAX_LAYERS_PER_LINE).map(([line]) => line));
  const out: LensSlot[] = [];
  const first = crowded.size ? Math.min(...crowded) : 0;
  if (crowded.size) out.push({ kind: 'format', line: first, layers: [...crowded].reduce((k, line) => k + byLine.get(line)!.length, 0) });
  // Model-wide hints on the first line, once each.
  for (const h of hints) if (h.modelWide) out.push({ kind: 'hint', line: 0, hintId: h.id });
  const hidden = hints.filter((h) => !h.modelWide && h.line !== undefined && crowded.has(h.line)).length;
  if (hidden) out.push({ kind: 'hintsInGraph', line: first, hints: hidden });
  for (const [line, ls] of byLine) {
    if (crowded.has(line)) continue;
    for (const l of ls) out.push({ kind: 'layer', line, layerId: l.id });
  }
  const perLine = new Map<number, number>();
  for (const h of hints) {
    if (h.modelWide || h.line === undefined || crowded.has(h.line)) continue;
    const n = perLine.get(h.line) ?? 0;
    if (n >= MAX_HINTS_PER_LINE) continue;
    perLine.set(h.line, n + 1);
    out.push({ kind: 'hint', line: h.line, hintId: h.id });
  }
  return out;
}
