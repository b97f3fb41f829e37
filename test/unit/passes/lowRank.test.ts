import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readOnnxFile } from '../../../src/core/formats/onnx/reader';
import { readKerasJsonText } from '../../../src/core/formats/keras/reader';
import { lowRank } from '../../../src/core/passes/lowRank';
import { truncatedSvd } from '../../../src/core/passes/linalg/svd';
import type { LayerError } from '../../../src/core/passes/types';
import { toFloat32 } from '../../../src/core/tensor/bytes';
import { TempDir, maxRelDiff, onnxChecker, randn, rng, roundTrip, runOrt } from './helpers';

const MOBILENET = '/work/shared/models/onnx/mobilenet_v3_small.onnx';

/** ||W - L·R||_F / ||W||_F with plain loops, L: m×r, R: r×n (the test's own computation). */
function factorError(W: Float32Array, L: Float32Array, R: Float32Array, m: number, n: number, r: number): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let v = 0;
      for (let k = 0; k < r; k++) v += L[i * r + k] * R[k * n + j];
      d += (W[i * n + j] - v) ** 2;
      s += W[i * n + j] ** 2;
    }
  }
  return Math.sqrt(d / s);
}

describe('passes: low-rank', () => {
  const tmp = new TempDir();
  after(() => tmp.dispose());

  it('mobilenet_v3_small: factorises both Gemms and a 1x1 conv; runs in ORT; errors and deltas check out', async () => {
    const m = readOnnxFile(MOBILENET);
    const before = analyzeModel(m);
    const found = await lowRank.find(m, before);
    const gemms = found.filter((s) => m.graph.nodes.find((n) => n.id === s.layers[0])!.opType === 'Gemm');
    assert.equal(gemms.length, 2);
    const convs = found.filter((s) => m.graph.nodes.find((n) => n.id === s.layers[0])!.opType === 'Conv');
    const size = (s: (typeof found)[0]) => (s.detail!.m as number) * (s.detail!.n as number);
    const conv = convs.sort((a, b) => size(b) - size(a))[0];
    assert.ok(conv);
    // Every single suggestion's delta is the re-analysed difference, and a saving at ratio 0.25.
    for (const s of found) assert.ok(s.delta.params < 0 && typeof s.delta.macs === 'number' && s.delta.macs < 0, s.id);

    const layers = [...gemms.map((s) => s.layers[0]), conv.layers[0]];
    const errors: LayerError[] = [];
    const knobs = { rank: 32 };
    const out = await lowRank.rewrite(m, { ...gemms[0], layers }, knobs, { withWeights: true, onError: (e) => errors.push(e) });
    assert.equal(errors.length, 3);

    const f0 = tmp.file('lr.onnx');
    const back = await roundTrip(out, f0);
    // Independent check of each reported error: rebuild W ≈ L·R from the written file and compare.
    for (const id of layers) {
      const orig = m.graph.nodes.find((n) => n.id === id)!;
      const W = await toFloat32(m.graph.initializers.get(orig.inputs[1])!);
      const dims = m.graph.initializers.get(orig.inputs[1])!.dims;
      const [mm, nn] = [dims[0], dims[1]];
      const wl = back.graph.initializers.get(`${orig.inputs[1]}_L`)!;
      const wr = back.graph.initializers.get(`${orig.inputs[1]}_R`)!;
      assert.equal(wl.dims[1], 32);
      const e = factorError(W, await toFloat32(wl), await toFloat32(wr), mm, nn, 32);
      const reported = errors.find((x) => x.layer === id)!.relError;
      assert.ok(Math.abs(e - reported) < 1e-3 * Math.max(1, e), `${id}: reported ${reported}, computed ${e}`);
      assert.ok(e > 0 && e < 1);
    }
    const x = randn(3 * 224 * 224, rng(3));
    const a = await runOrt(MOBILENET, { input: { data: x, dims: [1, 3, 224, 224] } });
    const b = await runOrt(f0, { input: { data: x, dims: [1, 3, 224, 224] } });
    assert.equal(b.output.length, 1000);
    assert.ok(b.output.every(Number.isFinite));
    assert.ok(maxRelDiff(a.output, b.output) > 0, 'an approximation changes the outputs');

    // Predicted Δ (structure-only rewrite at the same knobs) == analyse(after) - analyse(before).
    const structural = await lowRank.rewrite(m, { ...gemms[0], layers }, knobs, { withWeights: false });
    const A1 = analyzeModel(back);
    const Ap = analyzeModel(structural);
    assert.equal(Ap.totals.params - before.totals.params, A1.totals.params - before.totals.params);
    assert.equal(Ap.totals.macs, A1.totals.macs);
    const chk = onnxChecker(f0);
    if (chk !== undefined) assert.equal(chk, '');
  });

  it('does not suggest factorising the halves of a factorisation again; other layers stay candidates', async () => {
    for (const [file, dims] of [[MOBILENET, {}], ['/work/shared/models/onnx/tiny_bert_dynamic.onnx', { batch: 1, sequence: 16 }]] as const) {
      const m = readOnnxFile(file);
      const found = await lowRank.find(m, analyzeModel(m, { dims }));
      const [first, ...others] = found;
      const out = await lowRank.rewrite(m, first, {}, { withWeights: false });
      const again = await lowRank.find(out, analyzeModel(out, { dims }));
      const ids = new Set(again.map((s) => s.layers[0]));
      const halves = out.graph.nodes.filter((n) => n.id === first.layers[0] || n.id.startsWith(`${first.layers[0]}_lr`));
      assert.equal(halves.length, 2, file);
      for (const h of halves) assert.ok(!ids.has(h.id), `${file}: ${h.id} (${h.opType}) suggested again`);
      assert.deepEqual([...ids].sort(), others.map((s) => s.layers[0]).sort(), file);
    }
    const dense = (name: string, units: number, extra: Record<string, unknown> = {}) => ({ class_name: 'Dense', config: { name, units, activation: 'relu', use_bias: true, ...extra } });
    const k = readKerasJsonText(JSON.stringify({ class_name: 'Sequential', config: { name: 's', layers: [
      { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 64] } },
      dense('d1', 128), dense('d2', 64),
      // A hand-written bottleneck with a bias is not a factorisation: it stays a candidate.
      dense('b1', 16, { activation: 'linear' }), dense('b2', 64),
    ] } }), '/virtual/m.json');
    const kf = await lowRank.find(k, analyzeModel(k));
    assert.deepEqual(kf.map((s) => s.layers[0]), ['d1', 'd2', 'b1', 'b2']);
    const kout = await lowRank.rewrite(k, kf[0], {}, { withWeights: false });
    const kagain = (await lowRank.find(kout, analyzeModel(kout))).map((s) => s.layers[0]);
    assert.deepEqual(kagain, ['d2', 'b1', 'b2']);
  });

  it('tiny_bert_dynamic: MatMul-with-constant-weight on 3-D activations; rank min(m,n)-1 and rank 8 both run in ORT; error falls as rank grows', async () => {
    const file = '/work/shared/models/onnx/tiny_bert_dynamic.onnx';
    const m = readOnnxFile(file);
    const before = analyzeModel(m, { dims: { batch: 1, sequence: 16 } });
    const found = (await lowRank.find(m, before)).filter((s) => m.graph.nodes.find((n) => n.id === s.layers[0])!.opType === 'MatMul');
    assert.ok(found.length >= 4);
    const layers = found.map((s) => s.layers[0]);
    const ids = BigInt64Array.from({ length: 16 }, (_, i) => BigInt((i * 13) % 100));
    const ref = (await runOrt(file, { input_ids: { data: ids, dims: [1, 16] } })).logits;
    const full = Math.min(...found.map((s) => Math.min(s.detail!.m as number, s.detail!.n as number)));
    const exact = found.filter((s) => Math.min(s.detail!.m as number, s.detail!.n as number) === full).map((s) => s.layers[0]);
    const errs: LayerError[] = [];
    const outFull = await lowRank.rewrite(m, { ...found[0], layers: exact }, { rank: full - 1 }, { withWeights: true, onError: (e) => errs.push(e) });
    const fFull = tmp.file('bert_full.onnx');
    await roundTrip(outFull, fFull);
    const y = (await runOrt(fFull, { input_ids: { data: ids, dims: [1, 16] } })).logits;
    assert.ok(y.every(Number.isFinite));
    const errs8: LayerError[] = [];
    const out8 = await lowRank.rewrite(m, { ...found[0], layers }, { rank: 8 }, { withWeights: true, onError: (e) => errs8.push(e) });
    for (const e of errs) assert.ok(e.relError < errs8.find((x) => x.layer === e.layer)!.relError, e.layer);
    const f8 = tmp.file('bert_r8.onnx');
    const back8 = await roundTrip(out8, f8);
    const y8 = (await runOrt(f8, { input_ids: { data: ids, dims: [1, 16] } })).logits;
    assert.ok(y8.every(Number.isFinite) && maxRelDiff(ref, y8) > 0);
    // Symbolic dims survive: a different sequence length still runs.
    const y8b = (await runOrt(f8, { input_ids: { data: ids.slice(0, 5), dims: [1, 5] } })).logits;
    assert.equal(y8b.length, 2);
    const A1 = analyzeModel(back8, { dims: { batch: 1, sequence: 16 } });
    const Ap = analyzeModel(await lowRank.rewrite(m, { ...found[0], layers }, { rank: 8 }, { withWeights: false }), { dims: { batch: 1, sequence: 16 } });
    assert.equal(Ap.totals.params, A1.totals.params);
    assert.equal(Ap.totals.macs, A1.totals.macs);
  });

  it('the rank-r SVD error equals the best rank-r error sqrt(Σ_{i>r} σ_i²)/||W|| on a matrix with known spectrum', async () => {
    // W = Σ σ_i e_i f_iᵀ with orthonormal e, f (permuted identity columns): singular values known exactly.
    const m = 60;
    const n = 40;
    const sig = Array.from({ length: n }, (_, i) => 1 / (i + 1));
    const W = new Float32Array(m * n);
    for (let i = 0; i < n; i++) W[((i * 7) % m) * n + ((i * 3) % n)] = sig[i];
    const r = 10;
    const f = await truncatedSvd(W, m, n, { rank: r });
    const best = Math.sqrt(sig.slice(r).reduce((s, v) => s + v * v, 0) / sig.reduce((s, v) => s + v * v, 0));
    assert.ok(Math.abs(f.relError - best) < 1e-4, `${f.relError} vs ${best}`);
  });

  it('randomized path (sketch ≪ min(m, n)): near-optimal on a decaying spectrum, and the reported error is the true one', async () => {
    // W = Σ σ_i e_i f_iᵀ (permuted identity columns), σ_i = 0.8^i: the best rank-r error is known exactly.
    const m = 600;
    const n = 500;
    const sig = Array.from({ length: n }, (_, i) => 0.8 ** i);
    const W = new Float32Array(m * n);
    for (let i = 0; i < n; i++) W[((i * 7) % m) * n + ((i * 3) % n)] = sig[i];
    const r = 20;
    const f = await truncatedSvd(W, m, n, { rank: r });
    const best = Math.sqrt(sig.slice(r).reduce((a, v) => a + v * v, 0) / sig.reduce((a, v) => a + v * v, 0));
    const direct = factorError(W, f.left, f.right, m, n, f.k);
    assert.ok(Math.abs(direct - f.relError) < 1e-4, `reported ${f.relError}, direct ${direct}`);
    assert.ok(direct < best * 1.05, `randomized ${direct} vs optimal ${best}`);
  });
});
