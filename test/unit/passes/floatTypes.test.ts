import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readOnnxFile } from '../../../src/core/formats/onnx/reader';
import { writeOnnx } from '../../../src/core/formats/onnx/writer';
import type { DType } from '../../../src/core/ir/dtype';
import { combine } from '../../../src/core/apply/api';
import { floatTensor } from '../../../src/core/passes/graphEdit';
import { allPasses, passByName } from '../../../src/core/passes/registry';
import { bytesToFloat32, floatToBfloat16, floatToHalf, halfToFloat } from '../../../src/core/tensor/bytes';
import { TempDir, model, node, onnxChecker, randn, rng, vi } from './helpers';
import { ortLoadsAndRuns } from './sweepLib';

const FP16 = '/work/shared/models/onnx/mobilenet_v3_small_fp16.onnx';

function checked(file: string): void {
  const chk = onnxChecker(file);
  assert.notEqual(chk, undefined, 'python3-onnx is not installed: run scripts/test-deps.sh');
  assert.equal(chk, '', `onnx.checker(full_check=True) on ${file}`);
}

describe('passes keep the model\'s float type (fp16, bf16, fp32, fp64)', () => {
  const tmp = new TempDir();
  after(() => tmp.dispose());

  it('float16 / bfloat16 encoders round to nearest even and saturate to infinity', () => {
    for (const x of [0, -0, 1, -2.5, 65504, 1e-7, 6.1e-5, 0.1, 3.14159]) {
      const h = floatToHalf(x);
      // Nearest representable: no other half is closer.
      const v = halfToFloat(h);
      for (const d of [-1, 1]) {
        const nb = halfToFloat((h + d) & 0xffff);
        if (Number.isFinite(nb)) assert.ok(Math.abs(nb - x) >= Math.abs(v - x), `${x}`);
      }
    }
    assert.equal(halfToFloat(floatToHalf(1e6)), Infinity);
    assert.equal(halfToFloat(floatToHalf(-1e6)), -Infinity);
    assert.ok(Number.isNaN(halfToFloat(floatToHalf(NaN))));
    const bf = (x: number) => bytesToFloat32(new Uint8Array(new Uint16Array([floatToBfloat16(x)]).buffer), 'bfloat16', 1)[0];
    assert.equal(bf(1), 1);
    assert.equal(bf(1 + 2 ** -8), 1); // tie: even mantissa kept
    assert.equal(bf(1 + 3 * 2 ** -8), 1 + 2 ** -6);
    assert.ok(Math.abs(bf(3.14159) - 3.14159) < 3.14159 * 2 ** -8);
  });

  it('low-rank on mobilenet_v3_small_fp16: fp16 factors, fp16 delta, checker and ORT accept the file', async () => {
    const m = readOnnxFile(FP16);
    const before = analyzeModel(m);
    const found = await passByName('low-rank')!.find(m, before);
    assert.ok(found.length > 0);
    const s = combine(found, undefined, 'low-rank');
    const p = passByName('low-rank')!;
    const out = await p.rewrite(m, s, s.at, { withWeights: true });
    const f = tmp.file('lr16.onnx');
    await writeOnnx(out, f);
    const back = readOnnxFile(f);
    const types = new Set([...back.graph.initializers.values()].map((t) => t.dtype));
    assert.deepEqual([...types], ['float16']);
    // Each suggestion's predicted saving is the fp16 one: 2 bytes per removed parameter.
    for (const one of found) assert.equal(one.delta.weightBytes, 2 * one.delta.params, one.id);
    const after = analyzeModel(back);
    const sum = found.reduce((a, x) => a + x.delta.params, 0);
    assert.equal(after.totals.params - before.totals.params, sum);
    assert.equal(after.totals.weightBytes - before.totals.weightBytes, 2 * sum);
    checked(f);
    assert.equal(await ortLoadsAndRuns(f), '');
  });

  it('every pass that finds candidates on fp32 mobilenet finds them on its fp16 copy too (no silent skip)', async () => {
    const m32 = readOnnxFile('/work/shared/models/onnx/mobilenet_v3_small.onnx');
    const m16 = readOnnxFile(FP16);
    for (const p of allPasses) {
      const a = (await p.find(m32, analyzeModel(m32))).flatMap((s) => s.layers).length;
      const b = (await p.find(m16, analyzeModel(m16))).flatMap((s) => s.layers).length;
      assert.equal(b, a, `${p.name}: ${a} layers on fp32, ${b} on fp16`);
    }
  });

  for (const dtype of ['bfloat16', 'float64', 'float16'] as DType[]) {
    it(`${dtype} Gemm/MatMul model: low-rank, quantize-int8, cluster write ${dtype} weights the checker accepts`, async () => {
      const r = rng(3);
      // Rank-8 weights: low-rank at rank 16 is exact up to rounding, so outputs can be compared tightly.
      const lowRankMat = (m: number, n: number) => {
        const A = randn(m * 8, r);
        const B = randn(8 * n, r, 0.05);
        const W = new Float32Array(m * n);
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let k = 0; k < 8; k++) W[i * n + j] += A[i * 8 + k] * B[k * n + j];
        return W;
      };
      const w1 = floatTensor('w1', dtype, [64, 48], lowRankMat(64, 48));
      const b1 = floatTensor('b1', dtype, [48], randn(48, r, 0.1));
      const w2 = floatTensor('w2', dtype, [48, 32], lowRankMat(48, 32));
      const io = (n: string, s: number[]) => ({ ...vi(n, s), dtype });
      const m = model([node('g1', 'Gemm', ['x', 'w1', 'b1'], ['h']), node('mm', 'MatMul', ['h', 'w2'], ['y'])], [io('x', [2, 64])], [io('y', [2, 32])], [w1, b1, w2], 13);
      for (const name of ['low-rank', 'quantize-int8', 'cluster']) {
        const p = passByName(name)!;
        const found = await p.find(m, analyzeModel(m));
        assert.ok(found.length > 0, `${name} finds nothing on ${dtype}`);
        const s = combine(found, undefined, name);
        const out = await p.rewrite(m, s, name === 'low-rank' ? { rank: 16 } : s.at, { withWeights: true });
        const f = tmp.file(`${dtype}.${name}.onnx`);
        await writeOnnx(out, f);
        const back = readOnnxFile(f);
        const floats = [...back.graph.initializers.values()].filter((t) => t.dtype.startsWith('float') || t.dtype === 'bfloat16');
        // quantize keeps float32 scales where DequantizeLinear cannot yield the type (opset 13), then Casts.
        const expected = name === 'quantize-int8' && dtype !== 'float32' ? new Set([dtype, 'float32']) : new Set([dtype]);
        for (const t of floats) assert.ok(expected.has(t.dtype), `${name}: ${t.name} is ${t.dtype}`);
        assert.ok(floats.some((t) => t.dtype === dtype));
        checked(f);
        if (dtype === 'float64') {
          // ORT's CPU kernels cover double Gemm/MatMul: run it and compare with the original.
          const fo = tmp.file(`${dtype}.orig.onnx`);
          await writeOnnx(m, fo);
          const x = Float64Array.from(randn(128, r));
          const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
          const run = async (file: string) => {
            const sess = await ort.InferenceSession.create(file);
            const y = (await sess.run({ x: new ort.Tensor('float64', x, [2, 64]) })).y.data as Float64Array;
            await sess.release();
            return y;
          };
          const [y0, y1] = [await run(fo), await run(f)];
          let d = 0;
          let n = 0;
          for (let i = 0; i < y0.length; i++) {
            d += (y0[i] - y1[i]) ** 2;
            n += y0[i] ** 2;
          }
          // cluster: two layers of 16 shared values each on heavy-tailed products (weight error ~0.15 each).
          const bound = { 'low-rank': 1e-5, 'quantize-int8': 0.02, cluster: 0.5 }[name]!;
          assert.ok(Math.sqrt(d / n) < bound, `${name}: output rel. L2 ${Math.sqrt(d / n)}`);
        }
      }
    });
  }
});
