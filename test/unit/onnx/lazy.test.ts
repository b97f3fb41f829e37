import assert from 'node:assert/strict';
import path from 'node:path';
import { statSync } from 'node:fs';
import { readOnnx } from '../../../src/core/formats/onnx/reader';
import { writeOnnx } from '../../../src/core/formats/onnx/writer';
import { readTensorBytes } from '../../../src/core/tensor/bytes';
import { inlineTensor, type Model } from '../../../src/core/ir';
import { manifest, sharedModel, tmpDir } from './helpers';
import { benchOnnxRead } from '../../../bench/onnx-read';

const WINDOW = 16 << 10;

/** Distinct bytes of [start, end) covered by the recorded reads. */
function coverage(reads: [number, number][], start: number, end: number): number {
  const parts = reads.map(([o, l]): [number, number] => [Math.max(start, o), Math.min(end, o + l)]).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let n = 0;
  let reach = start;
  for (const [a, b] of parts) {
    if (b > reach) n += b - Math.max(a, reach);
    reach = Math.max(reach, b);
  }
  return n;
}

describe('onnx reader: weights are located, not read', () => {
  for (const entry of manifest()) {
    it(`${entry.file}: no read goes further into a weight payload than one window`, async () => {
      const file = sharedModel(entry.file);
      const reads: [number, number][] = [];
      const m = await readOnnx(file, { windowBytes: WINDOW, onRead: (o, l) => reads.push([o, l]) });
      let payloads = 0;
      for (const t of m.graph.initializers.values()) {
        if (t.source.kind !== 'file' || t.source.path !== m.file || t.source.length <= 2 * WINDOW) continue;
        payloads++;
        const covered = coverage(reads, t.source.offset, t.source.offset + t.source.length);
        assert.ok(covered <= WINDOW, `${t.name}: ${covered} of its ${t.source.length} bytes were read`);
      }
      const total = reads.reduce((a, [, l]) => a + l, 0);
      if (payloads > 0) assert.ok(total < statSync(file).size / 2, `read ${total} of ${statSync(file).size} bytes`);
    });
  }

  it('a 96 MiB model is opened reading under 1% of it, holding under 1/8 of it; weights come on demand', async function () {
    this.timeout(120_000);
    const dir = tmpDir('big');
    const src = await readOnnx(sharedModel('conv1d_audio.onnx'));
    const big: Model = { ...src, graph: { ...src.graph, initializers: new Map(src.graph.initializers) } };
    // Three 32 MiB initializers nobody uses: the reader must step over them.
    for (let i = 0; i < 3; i++) {
      const bytes = new Uint8Array(32 << 20).fill(i + 1);
      big.graph.initializers.set(`pad${i}`, inlineTensor(`pad${i}`, 'uint8', [bytes.length], bytes));
    }
    const file = path.join(dir, 'big.onnx');
    await writeOnnx(big, file);
    const size = statSync(file).size;
    assert.ok(size > 96 << 20);
    let read = 0;
    const m = await readOnnx(file, { onRead: (_, l) => { read += l; } });
    assert.ok(read < size / 100, `read ${read} of ${size} bytes`);
    // Fresh processes: opening it holds a small fraction of the file, and the process peak is that of
    // opening a 0.3 MiB model give or take start-up noise.
    const [small, row] = benchOnnxRead([sharedModel('conv1d_audio.onnx'), file]);
    assert.ok(row.rssGrowthBytes < size / 8, `RSS grew ${row.rssGrowthBytes} bytes opening ${size}`);
    assert.ok(row.peakRssBytes - small.peakRssBytes < size / 4, `peak RSS ${row.peakRssBytes} vs ${small.peakRssBytes} for a 0.3 MiB model`);
    const pad = await readTensorBytes(m.graph.initializers.get('pad2')!);
    assert.equal(pad.length, 32 << 20);
    assert.ok(pad.every((b) => b === 3));
  });
});
