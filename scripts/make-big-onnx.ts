// Writes a VGG16-shaped ONNX model (138,357,544 float32 parameters, about 528 MiB) with seeded random
// weights, for the reader benchmark and for large-file tests. Never commit its output.
// Usage: node --import tsx scripts/make-big-onnx.ts [OUT=/tmp/modellens-big/vgg16_synthetic.onnx]
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Model, Node, ValueInfo } from '../src/core/ir';
import type { LazyTensor } from '../src/core/ir/tensor';
import { writeOnnx } from '../src/core/formats/onnx/writer';

const out = path.resolve(process.argv[2] ?? '/tmp/modellens-big/vgg16_synthetic.onnx');
mkdirSync(path.dirname(out), { recursive: true });
const blob = `${out}.weights.tmp`;

// torchvision vgg16 'D' configuration.
const CFG: (number | 'M')[] = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];

let seed = 12345;
/** He-uniform values from a xorshift generator, written to the blob a block at a time. */
function writeRandom(fd: number, count: number, fanIn: number, at: number): number {
  const a = Math.sqrt(6 / fanIn);
  const block = new Float32Array(1 << 20);
  for (let done = 0; done < count; ) {
    const n = Math.min(block.length, count - done);
    for (let i = 0; i < n; i++) {
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
      block[i] = ((seed >>> 0) / 4294967296 * 2 - 1) * a;
    }
    writeSync(fd, new Uint8Array(block.buffer, 0, n * 4), 0, n * 4, at + done * 4);
    done += n;
  }
  return at + count * 4;
}

async function main(): Promise<void> {
  const fd = openSync(blob, 'w');
  let at = 0;
  const initializers = new Map<string, LazyTensor>();
  const tensor = (name: string, dims: number[], fanIn: number) => {
    const count = dims.reduce((x, y) => x * y, 1);
    initializers.set(name, { name, dtype: 'float32', dims, source: { kind: 'file', path: blob, offset: at, length: count * 4 } });
    at = writeRandom(fd, count, fanIn, at);
  };
  const nodes: Node[] = [];
  const node = (opType: string, inputs: string[], attrs: Node['attrs'] = {}): string => {
    const id = `${opType}_${nodes.length}`;
    nodes.push({ id, name: id, opType, domain: '', inputs, outputs: [`${id}_out`], attrs });
    return `${id}_out`;
  };
  let x = 'input';
  let ch = 3;
  CFG.forEach((c, i) => {
    if (c === 'M') {
      x = node('MaxPool', [x], { kernel_shape: { kind: 'ints', value: [2, 2] }, strides: { kind: 'ints', value: [2, 2] } });
      return;
    }
    tensor(`features.${i}.weight`, [c, ch, 3, 3], ch * 9);
    tensor(`features.${i}.bias`, [c], ch * 9);
    x = node('Conv', [x, `features.${i}.weight`, `features.${i}.bias`], { kernel_shape: { kind: 'ints', value: [3, 3] }, pads: { kind: 'ints', value: [1, 1, 1, 1] } });
    x = node('Relu', [x]);
    ch = c;
  });
  x = node('Flatten', [x], { axis: { kind: 'int', value: 1 } });
  const fcs: [number, number][] = [[25088, 4096], [4096, 4096], [4096, 1000]];
  fcs.forEach(([inF, outF], i) => {
    tensor(`classifier.${i}.weight`, [outF, inF], inF);
    tensor(`classifier.${i}.bias`, [outF], inF);
    x = node('Gemm', [x, `classifier.${i}.weight`, `classifier.${i}.bias`], { transB: { kind: 'int', value: 1 } });
    if (i < 2) x = node('Relu', [x]);
  });
  closeSync(fd);
  nodes[nodes.length - 1].outputs = ['output'];
  const io = (name: string, shape: number[]): ValueInfo => ({ name, dtype: 'float32', shape });
  const model: Model = {
    format: 'onnx', file: blob, opsets: { '': 13 }, producer: 'modellens make-big-onnx', metadata: {}, warnings: [],
    graph: { name: 'vgg16_synthetic', nodes, inputs: [io('input', [1, 3, 224, 224])], outputs: [io('output', [1, 1000])], initializers, valueInfo: new Map() },
  };
  try {
    await writeOnnx(model, out, { externalData: 'inline' });
  } finally {
    rmSync(blob, { force: true });
  }
  const params = [...initializers.values()].reduce((s, t) => s + t.dims.reduce((a, b) => a * b, 1), 0);
  console.log(`wrote ${out}: ${params} parameters, ${(at / 2 ** 20).toFixed(1)} MiB of weights`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
