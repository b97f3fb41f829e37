import assert from 'node:assert/strict';
import { suggest } from '../../../src/core/apply/api';
import { writeOnnx } from '../../../src/core/formats/onnx/writer';
import { selectHints } from '../../../src/extension/hints';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readOnnxFile } from '../../../src/core/formats/onnx/reader';
import { sharedModel } from '../onnx/helpers';
import { TempDir, f32, model, node, vi } from './helpers';

/** Orthonormal DCT-II basis vector i of length n. */
function dct(i: number, n: number): Float64Array {
  const s = i === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n);
  return Float64Array.from({ length: n }, (_, j) => s * Math.cos((Math.PI * (j + 0.5) * i) / n));
}

describe('passes: every approximate suggestion carries a computed error (issue 14, defect 3)', function () {
  this.timeout(300_000);
  const tmp = new TempDir();
  after(() => tmp.dispose());

  it('low-rank of a 1200×1000 MatMul (1.2 M weights, above the 1 M budget): error = the discarded tail energy', async () => {
    const [m, n, k] = [1200, 1000, 300];
    // W = Σ σ_i u_i v_iᵀ with orthonormal u, v: its singular values are σ exactly.
    const sigma = Float64Array.from({ length: k }, (_, i) => 1 / (1 + i) ** 0.7);
    const W = new Float64Array(m * n);
    for (let i = 0; i < k; i++) {
      const u = dct(i, m);
      const v = dct(i, n);
      for (let a = 0; a < m; a++) {
        const su = sigma[i] * u[a];
        for (let b = 0; b < n; b++) W[a * n + b] += su * v[b];
      }
    }
    const g = model([node('mm', 'MatMul', ['x', 'w'], ['y'])], [vi('x', [1, m])], [vi('y', [1, n])], [f32('w', [m, n], Float32Array.from(W))]);
    const file = tmp.file('big.onnx');
    await writeOnnx(g, file);
    const list = await suggest(file);
    const lr = list.find((s) => s.pass === 'low-rank');
    assert.ok(lr, 'low-rank suggestion');
    assert.ok(lr.error, 'low-rank suggestion above the budget has no computed error');
    const r = Math.floor((0.25 * m * n) / (m + n));
    let tail = 0;
    let all = 0;
    for (let i = 0; i < k; i++) {
      all += sigma[i] ** 2;
      if (i >= r) tail += sigma[i] ** 2;
    }
    const expected = Math.sqrt(tail / all);
    // The error is that of the factors the rewrite writes (randomized SVD): never below the optimum
    // (Eckart–Young), and within 5% of it.
    assert.ok(lr.error.value >= expected * (1 - 1e-4) && lr.error.value <= expected * 1.05, `error ${lr.error.value}, tail energy ${expected} (r = ${r})`);
    // Every approximate suggestion has one.
    for (const s of list) if (s.kind === 'approximate') assert.ok(s.error, `${s.id} has no error`);
  });

  it('the hint filter drops approximate suggestions without a computed error', () => {
    const m = readOnnxFile(sharedModel('squeezenet1_0.onnx'));
    const a = analyzeModel(m);
    const s = { id: 'x', pass: 'cluster' as const, title: 't', layers: [m.graph.nodes[0].id], kind: 'approximate' as const, knobs: [], at: {}, delta: { params: 0, macs: 0, weightBytes: -1e6 }, appliable: true };
    assert.equal(selectHints([s], a, { enabled: true, minSavingsPercent: 0, maxErrorPercent: 100 }).length, 0);
    const unmeasurable = { ...s, errorUnavailable: 'the weights cannot be read here (architecture-only)' };
    assert.equal(selectHints([unmeasurable], a, { enabled: true, minSavingsPercent: 0, maxErrorPercent: 5 }).length, 1, 'a file without weights: the limit cannot judge it');
    const measured = { ...s, error: { metric: 'relative-frobenius' as const, value: 0.01, perLayer: [] } };
    assert.equal(selectHints([measured], a, { enabled: true, minSavingsPercent: 0, maxErrorPercent: 5 }).length, 1);
  });
});
