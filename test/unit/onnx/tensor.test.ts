import assert from 'node:assert/strict';
import { openSync, readSync, closeSync } from 'node:fs';
import { readOnnx } from '../../../src/core/formats/onnx/reader';
import { bytesToFloat32, halfToFloat, readTensorBytes, toFloat32 } from '../../../src/core/tensor/bytes';
import { currentTensorBackend, tensorBackend, tensorBackendName } from '../../../src/core/tensor/backend';
import { inlineTensor, type LazyTensor } from '../../../src/core/ir';
import { isModelError } from '../../../src/core/errors';
import { sharedModel } from './helpers';

function readRange(file: string, offset: number, length: number): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return new Uint8Array(b);
  } finally {
    closeSync(fd);
  }
}

const le = (f: (dv: DataView) => void, n: number) => {
  const b = new Uint8Array(n);
  f(new DataView(b.buffer));
  return b;
};

describe('tensor access', () => {
  it('readTensorBytes reads a file range on demand, exactly', async () => {
    const m = await readOnnx(sharedModel('squeezenet1_0.onnx'));
    const t = [...m.graph.initializers.values()].find((x) => x.source.kind === 'file')!;
    assert.equal(t.source.kind, 'file');
    const s = t.source as { path: string; offset: number; length: number };
    assert.deepEqual(await readTensorBytes(t), readRange(s.path, s.offset, s.length));
  });

  it('fp16 weights decode to the fp32 model\'s weights within half precision', async () => {
    // Same weights exported twice (manifest notes): fp16 = round-to-nearest of fp32, relative error <= 2^-11.
    const a = await readOnnx(sharedModel('mobilenet_v3_small.onnx'));
    const b = await readOnnx(sharedModel('mobilenet_v3_small_fp16.onnx'));
    let checked = 0;
    for (const [name, t32] of a.graph.initializers) {
      const t16 = b.graph.initializers.get(name);
      if (!t16 || t16.dtype !== 'float16') continue;
      const x = await toFloat32(t32);
      const y = await toFloat32(t16);
      assert.equal(x.length, y.length);
      let bad = -1;
      for (let i = 0; i < x.length && bad < 0; i++) {
        if (Math.abs(x[i] - y[i]) > Math.max(Math.abs(x[i]) * 2 ** -11, 2 ** -24)) bad = i;
      }
      assert.equal(bad, -1, `${name}[${bad}]: ${x[bad]} vs ${y[bad]}`);
      checked++;
    }
    assert.ok(checked > 50, `compared ${checked} initializers`);
  });

  it('decodes each dtype from little-endian bytes', () => {
    assert.deepEqual([...bytesToFloat32(le((d) => { d.setFloat32(0, 1.5, true); d.setFloat32(4, -2, true); }, 8), 'float32', 2)], [1.5, -2]);
    assert.deepEqual([...bytesToFloat32(le((d) => { d.setFloat64(0, 0.25, true); }, 8), 'float64', 1)], [0.25]);
    // binary16: 0x3C00 = 1, 0xC000 = -2, 0x7BFF = 65504 (max), 0x0001 = 2^-24 (min subnormal), 0x7C00 = inf
    const h = le((d) => [0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00].forEach((v, i) => d.setUint16(i * 2, v, true)), 10);
    assert.deepEqual([...bytesToFloat32(h, 'float16', 5)], [1, -2, 65504, 2 ** -24, Infinity]);
    assert.ok(Number.isNaN(halfToFloat(0x7e00)));
    // bfloat16: the high half of float32 1.0 (0x3F800000) and -3.0 (0xC0400000)
    assert.deepEqual([...bytesToFloat32(le((d) => { d.setUint16(0, 0x3f80, true); d.setUint16(2, 0xc040, true); }, 4), 'bfloat16', 2)], [1, -3]);
    assert.deepEqual([...bytesToFloat32(Uint8Array.from([0xff, 0x7f]), 'int8', 2)], [-1, 127]);
    assert.deepEqual([...bytesToFloat32(Uint8Array.from([0xff, 0x7f]), 'uint8', 2)], [255, 127]);
    assert.deepEqual([...bytesToFloat32(le((d) => d.setInt32(0, -7, true), 4), 'int32', 1)], [-7]);
    assert.deepEqual([...bytesToFloat32(le((d) => { d.setBigInt64(0, -5n, true); d.setBigInt64(8, 1n << 40n, true); }, 16), 'int64', 2)], [-5, 2 ** 40]);
  });

  it('absent and unsupported tensors give ModelErrors', async () => {
    const absent: LazyTensor = { name: 'w', dtype: 'float32', dims: [2], source: { kind: 'absent', reason: 'architecture only' } };
    await assert.rejects(readTensorBytes(absent), (e) => isModelError(e) && /architecture only/.test(e.message));
    await assert.rejects(toFloat32(inlineTensor('s', 'string', [1], new Uint8Array(0))), isModelError);
    await assert.rejects(toFloat32(inlineTensor('short', 'float32', [4], new Uint8Array(8))), isModelError);
    const gone: LazyTensor = { name: 'x', dtype: 'float32', dims: [1], source: { kind: 'file', path: '/nonexistent/x.bin', offset: 0, length: 4 } };
    await assert.rejects(readTensorBytes(gone), isModelError);
  });

  it('TensorFlow.js backend initialises and says which one it is', async () => {
    const b = await tensorBackend();
    // tfjs-node (optional, native) is installed without its binding here (.npmrc: ignore-scripts, so its
    // install script never downloads libtensorflow): it loads only where someone built it, else wasm runs.
    let nodeBindings = true;
    try {
      require('@tensorflow/tfjs-node');
    } catch {
      nodeBindings = false;
    }
    assert.equal(b.name, nodeBindings ? 'tensorflow' : 'wasm', `backend ${b.name}; notes: ${b.notes.join('; ')}`);
    assert.equal(b.tf.getBackend(), b.name);
    assert.equal(await tensorBackendName(), b.name);
    assert.equal(currentTensorBackend(), b.name);
    const y = b.tf.matMul(b.tf.tensor2d([[1, 2], [3, 4]]), b.tf.tensor2d([[5], [6]]));
    assert.deepEqual([...(await y.data())], [1 * 5 + 2 * 6, 3 * 5 + 4 * 6]);
  });
});
