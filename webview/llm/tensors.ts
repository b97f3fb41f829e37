/**
 * "Weight tensors" of a layer or group in the details panel (language models: safetensors / GGUF
 * checkpoints and configs): name, shape, dtype (and the stored type of block-quantized tensors), and
 * bytes as the file stores them — all from the analysis (TensorSummary.bytes / .stored).
 */
import type { LayerAnalysis } from '../../src/core/analysis/types';
import { h } from '../dom';
import { bytes, shapeText } from '../model/format';
import { section } from '../panels/common';

/** A group of 32 decoder blocks lists thousands of tensors: the first ones and a count of the rest. */
const MAX_ROWS = 200;

export function weightTensorsSection(layers: LayerAnalysis[]): HTMLElement | null {
  const seen = new Set<string>();
  const rows: { name: string; shape: string; type: string; bytes: number }[] = [];
  let total = 0;
  let count = 0;
  for (const l of layers) {
    for (const t of l.inputs) {
      if (t.bytes === undefined || seen.has(t.name)) continue;
      seen.add(t.name);
      count++;
      total += t.bytes;
      if (rows.length < MAX_ROWS) rows.push({ name: t.name, shape: shapeText(t.shape), type: t.stored ? `${t.stored} (${t.dtype})` : t.dtype, bytes: t.bytes });
    }
  }
  if (count === 0) return null;
  const table = h('table', { class: 'tensors llm-tensors' },
    h('tr', {}, h('th', { text: 'tensor' }), h('th', { text: 'shape' }), h('th', { text: 'type' }), h('th', { text: 'bytes' })),
    ...rows.map((r) => h('tr', {},
      h('td', { class: 'tname mono', title: r.name, text: r.name }),
      h('td', { class: 'mono', text: r.shape }),
      h('td', { class: 'muted', text: r.type }),
      h('td', { class: 'num', text: bytes(r.bytes) }))));
  const more = count > rows.length ? h('div', { class: 'muted', text: `… and ${count - rows.length} more` }) : null;
  return section(`Weight tensors (${count}, ${bytes(total)})`, table, more);
}
