// Tied / duplicated initializers: found by shape, sampled elements and a full check of survivors,
// counted once, reported by name. The GPT-2 case is the torch export's layout (lm_head stored as a
// transposed copy of wte) at GPT-2 small's real shapes, weights in a sparse external-data file.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readOnnx } from '../../../src/core/formats/onnx/reader';
import type { LazyTensor } from '../../../src/core/ir/tensor';
import { prng, tmpDir } from '../onnx/helpers';
import { GPT2, writeTiedGpt2 } from './gpt2Tied';
import { graph, model, node, vi } from './graphBuilder';

function f32(name: string, dims: number[], values: Float32Array): LazyTensor {
  return { name, dtype: 'float32', dims, source: { kind: 'inline', bytes: new Uint8Array(values.buffer) } };
}
const random = (n: number, seed: number) => { const r = prng(seed); return Float32Array.from({ length: n }, () => r() * 2 - 1); };
function transpose(a: Float32Array, m: number, n: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j];
  return out;
}

describe('tied and duplicated weights', function () {
  this.timeout(180_000);

  it('equal copies and transposed copies count once; near-copies, constant tensors and small ones do not', () => {
    const emb = random(300 * 64, 1);
    const w1 = random(64 * 128, 2);
    const w3 = random(64 * 128, 3);
    const w4 = Float32Array.from(w3);
    w4[4321] += 1; // differs in one element: must fail the full check or the samples
    const inits = [
      f32('emb', [300, 64], emb), f32('head', [64, 300], transpose(emb, 300, 64)),
      f32('w1', [64, 128], w1), f32('w2', [64, 128], Float32Array.from(w1)),
      f32('w3', [64, 128], w3), f32('w4', [64, 128], w4),
      f32('z1', [64, 128], new Float32Array(8192)), f32('z2', [64, 128], new Float32Array(8192)),
      f32('s1', [16, 16], random(256, 9)), f32('s2', [16, 16], random(256, 9)),
    ];
    const g = graph(
      [
        node('Gather', ['emb', 'ids'], ['x']),
        node('MatMul', ['x', 'w1'], ['a1']), node('MatMul', ['x', 'w2'], ['a2']), node('MatMul', ['x', 'w3'], ['a3']), node('MatMul', ['x', 'w4'], ['a4']),
        node('MatMul', ['x', 'z1'], ['a5']), node('MatMul', ['x', 'z2'], ['a6']),
        node('MatMul', ['x', 'head'], ['logits']),
        node('MatMul', ['s1', 's2'], ['s']),
      ],
      [vi('ids', 'int64', [1, 5])],
      [vi('logits', 'float32'), vi('a1', 'float32'), vi('a2', 'float32'), vi('a3', 'float32'), vi('a4', 'float32'), vi('a5', 'float32'), vi('a6', 'float32'), vi('s', 'float32')],
      inits,
    );
    const a = analyzeModel(model(g));
    const t = a.details.tiedWeights;
    assert.ok(t, 'tied weights reported');
    // emb/head, w1..w4, z1, z2 are candidates (s1/s2 are too small); z1/z2 are constant; w3/w4 differ.
    assert.equal(t.search.candidates, 8);
    assert.deepEqual(t.pairs.map((p) => [p.kept, p.copy, p.relation]).sort(), [['emb', 'head', 'transpose'], ['w1', 'w2', 'equal']]);
    const stored = 19200 * 2 + 8192 * 6 + 256 * 2;
    assert.equal(t.storedParams, stored);
    assert.equal(t.uniqueParams, stored - 19200 - 8192);
    assert.equal(a.totals.params, t.uniqueParams, 'totals count each tied weight once');
    assert.equal(t.storedBytes, stored * 4);
    assert.equal(t.uniqueBytes, (stored - 19200 - 8192) * 4);
    assert.equal(a.totals.weightBytes, stored * 4, 'weight bytes stay what the file stores');
    assert.equal(a.layers.find((l) => l.outputs[0].name === 'logits')!.params, 0, 'the copy\'s layer owns no parameters');
    assert.ok(a.details.warnings.includes('"head" is a transposed copy of "emb" (19,200 parameters): counted once'), a.details.warnings.join('\n'));
    assert.ok(a.details.warnings.includes('"w2" is a copy of "w1" (8,192 parameters): counted once'));
    assert.equal(analyzeModel(model(g), { tiedWeights: false }).totals.params, stored, 'opt-out counts every stored tensor');
  });

  it('GPT-2 small exported by torch (lm_head = transposed wte): 124,439,808 unique of 163,037,184 stored, reading only samples and the tied pair', () => {
    const dir = tmpDir('tied-gpt2');
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = writeTiedGpt2(dir);
    const V = GPT2.vocab;
    const m = readOnnx(file);
    return m.then((mm) => {
      const t0 = Date.now();
      const a = analyzeModel(mm, { dims: { sequence: 8 } });
      console.log(`      GPT-2 small analysis with the tied-weight search: ${Date.now() - t0} ms (under test load)`);
      assert.deepEqual(a.notCosted, []);
      assert.deepEqual(a.outputs[0].shape, [1, 8, V]);
      const t = a.details.tiedWeights!;
      assert.ok(t, 'the tied lm_head is found');
      assert.deepEqual(t.pairs.map((p) => [p.kept, p.copy, p.relation]), [['wte', 'lm_head', 'transpose']]);
      // 2 + 12*12 + 3 tensors >= 4096 elements: 38 (wte, wpe, 4 matrices per layer, lm_head)... sampled only where a
      // same-shaped partner exists; the zero-filled layer weights are constant and never compared in full.
      assert.equal(t.search.fullChecks, 1, 'only the surviving pair is read in full');
      assert.equal(t.storedParams, 163_037_184);
      assert.equal(t.uniqueParams, 124_439_808);
      assert.equal(a.totals.params, 124_439_808);
      assert.equal(t.storedBytes, 163_037_184 * 2);
      assert.equal(t.uniqueBytes, 124_439_808 * 2);
      assert.ok(a.details.warnings.includes('"lm_head" is a transposed copy of "wte" (38,597,376 parameters): counted once'));
    });
  });
});
