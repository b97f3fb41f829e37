// Shape and cost rules of the com.microsoft contrib ops and the opset-23 LLM ops: hand-computed
// shapes/MACs/FLOPs/params for small models, and, where onnxruntime's CPU provider has a kernel,
// the output shapes onnxruntime actually produces running the same model.
import assert from 'node:assert/strict';
import path from 'node:path';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { writeOnnx } from '../../../src/core/formats/onnx/writer';
import { sym, type Dim } from '../../../src/core/ir/dim';
import type { DType } from '../../../src/core/ir/dtype';
import type { Attribute, Model, ValueInfo } from '../../../src/core/ir/graph';
import type { LazyTensor } from '../../../src/core/ir/tensor';
import { graph, node } from '../analysis/graphBuilder';
import { prng, tmpDir } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');

interface In {
  name: string;
  dtype: DType;
  shape: (number | string)[];
  /** Initializer values (an initializer when given; runtime input otherwise). */
  init?: number[];
  /** Values fed to onnxruntime for a runtime input (default: random). */
  feed?: number[];
}

interface Case {
  op: string;
  domain?: string;
  opset?: number;
  inputs: (In | null)[];
  attrs?: Record<string, Attribute>;
  outputs: number;
  /** Hand-computed output shapes (undefined entries are not checked). */
  shapes: ((number | string)[] | undefined)[];
  dtypes?: (string | undefined)[];
  macs: number | string;
  flops: number | string;
  params?: number;
  weightBytes?: number;
  bytesByType?: Record<string, number>;
  /** Whether onnxruntime's CPU provider runs this op; false says why not. */
  ort: true | string;
}

const i = (value: number): Attribute => ({ kind: 'int', value });
const f = (value: number): Attribute => ({ kind: 'float', value });
const is = (value: number[]): Attribute => ({ kind: 'ints', value });
const s = (value: string): Attribute => ({ kind: 'string', value });

function bytesOf(dtype: DType, values: number[]): Uint8Array {
  switch (dtype) {
    case 'float32': return new Uint8Array(Float32Array.from(values).buffer);
    case 'int64': return new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
    case 'int32': return new Uint8Array(Int32Array.from(values).buffer);
    case 'uint8': case 'bool': return Uint8Array.from(values);
    case 'int8': return new Uint8Array(Int8Array.from(values).buffer);
    default: throw new Error(`test helper: no bytes for ${dtype}`);
  }
}

const count = (shape: (number | string)[]) => shape.reduce((a: number, d) => a * (d as number), 1);

function build(c: Case): Model {
  const ins: ValueInfo[] = [];
  const inits: LazyTensor[] = [];
  for (const x of c.inputs) {
    if (!x) continue;
    const shape = x.shape.map((d): Dim => (typeof d === 'string' ? sym(d) : d));
    if (x.init) inits.push({ name: x.name, dtype: x.dtype, dims: x.shape as number[], source: { kind: 'inline', bytes: bytesOf(x.dtype, x.init) } });
    else ins.push({ name: x.name, dtype: x.dtype, shape });
  }
  const outs = Array.from({ length: c.outputs }, (_, k) => `y${k}`);
  const n = node(c.op, c.inputs.map((x) => x?.name ?? ''), outs, c.attrs ?? {}, c.domain ?? 'com.microsoft');
  const g = graph([n], ins, outs.map((o) => ({ name: o, dtype: 'unknown' as DType })), inits);
  return { format: 'onnx', file: '/virtual/contrib.onnx', graph: g, opsets: { '': c.opset ?? 17, 'com.microsoft': 1 }, metadata: {}, warnings: [] };
}

function feeds(c: Case, seed: number): Record<string, import('onnxruntime-node').Tensor> {
  const rnd = prng(seed);
  const out: Record<string, import('onnxruntime-node').Tensor> = {};
  for (const x of c.inputs) {
    if (!x || x.init) continue;
    const dims = x.shape as number[];
    const n = count(dims);
    const v = x.feed ?? Array.from({ length: n }, () => (x.dtype.startsWith('float') ? rnd() * 2 - 1 : Math.floor(rnd() * 3)));
    if (x.dtype === 'float32') out[x.name] = new ort.Tensor('float32', Float32Array.from(v), dims);
    else if (x.dtype === 'int64') out[x.name] = new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), dims);
    else if (x.dtype === 'int32') out[x.name] = new ort.Tensor('int32', Int32Array.from(v), dims);
    else if (x.dtype === 'uint8') out[x.name] = new ort.Tensor('uint8', Uint8Array.from(v), dims);
    else if (x.dtype === 'int8') out[x.name] = new ort.Tensor('int8', Int8Array.from(v), dims);
    else if (x.dtype === 'bool') out[x.name] = new ort.Tensor('bool', Uint8Array.from(v), dims);
    else throw new Error(`test helper: no feed for ${x.dtype}`);
  }
  return out;
}

const F = 'float32' as const;
const rand = (n: number, seed = 1) => { const r = prng(seed); return Array.from({ length: n }, () => r() * 2 - 1); };
const u8 = (n: number, seed = 1) => { const r = prng(seed); return Array.from({ length: n }, () => Math.floor(r() * 256)); };
const scalar = (name: string, dtype: DType, v: number): In => ({ name, dtype, shape: [], init: [v] });

const CASES: Record<string, Case> = {
  'GroupQueryAttention with a past cache: present = total; MACs 2·B·Hq·S·T·E': {
    op: 'GroupQueryAttention', attrs: { num_heads: i(4), kv_num_heads: i(2) }, outputs: 3,
    inputs: [{ name: 'q', dtype: F, shape: [1, 3, 32] }, { name: 'k', dtype: F, shape: [1, 3, 16] }, { name: 'v', dtype: F, shape: [1, 3, 16] },
      { name: 'pk', dtype: F, shape: [1, 2, 5, 8] }, { name: 'pv', dtype: F, shape: [1, 2, 5, 8] },
      { name: 'seqlens_k', dtype: 'int32', shape: [1], init: [7] }, scalar('total', 'int32', 8)],
    shapes: [[1, 3, 32], [1, 2, 8, 8], [1, 2, 8, 8]], macs: 2 * 4 * 3 * 8 * 8, flops: 2 * 1536 + 5 * 4 * 3 * 8, ort: true,
  },
  'GroupQueryAttention with packed QKV and no past (prompt)': {
    op: 'GroupQueryAttention', attrs: { num_heads: i(4), kv_num_heads: i(2) }, outputs: 3,
    inputs: [{ name: 'qkv', dtype: F, shape: [1, 4, 64] }, null, null, null, null, { name: 'seqlens_k', dtype: 'int32', shape: [1], init: [3] }, scalar('total', 'int32', 4)],
    shapes: [[1, 4, 32], [1, 2, 4, 8], [1, 2, 4, 8]], macs: 2 * 4 * 4 * 4 * 8, flops: 2 * 1024 + 5 * 64, ort: true,
  },
  'GroupQueryAttention with do_rotary and cos/sin caches: + 3 FLOPs per rotated q/k element': {
    op: 'GroupQueryAttention', attrs: { num_heads: i(4), kv_num_heads: i(2), do_rotary: i(1) }, outputs: 3,
    inputs: [{ name: 'q', dtype: F, shape: [1, 3, 64] }, { name: 'k', dtype: F, shape: [1, 3, 32] }, { name: 'v', dtype: F, shape: [1, 3, 32] }, null, null,
      { name: 'seqlens_k', dtype: 'int32', shape: [1], init: [2] }, scalar('total', 'int32', 3), { name: 'cos', dtype: F, shape: [16, 8], init: rand(128) }, { name: 'sin', dtype: F, shape: [16, 8], init: rand(128, 2) }],
    // head_size 16 (onnxruntime's rotary kernel needs a multiple of 16)
    shapes: [[1, 3, 64], [1, 2, 3, 16], [1, 2, 3, 16]], macs: 2 * 4 * 3 * 3 * 16, flops: 2 * 1152 + 5 * 36 + 3 * 3 * (4 + 2) * 16, params: 0, weightBytes: 2 * 128 * 4 + 8, ort: true, // caches are tables, not parameters; + the two int32 scalars
  },
  'GroupQueryAttention with symbolic past and unknown total: present = past + sequence': {
    op: 'GroupQueryAttention', attrs: { num_heads: i(32), kv_num_heads: i(8) }, outputs: 3,
    inputs: [{ name: 'q', dtype: F, shape: ['batch', 'sequence', 4096] }, { name: 'k', dtype: F, shape: ['batch', 'sequence', 1024] }, { name: 'v', dtype: F, shape: ['batch', 'sequence', 1024] },
      { name: 'pk', dtype: F, shape: ['batch', 8, 'past', 128] }, { name: 'pv', dtype: F, shape: ['batch', 8, 'past', 128] },
      { name: 'seqlens_k', dtype: 'int32', shape: ['batch'] }, { name: 'total', dtype: 'int32', shape: [] }],
    shapes: [['batch', 'sequence', 4096], ['batch', 8, 'past + sequence', 128], ['batch', 8, 'past + sequence', 128]],
    macs: '8192*batch*past*sequence + 8192*batch*sequence^2', flops: '16544*batch*past*sequence + 16544*batch*sequence^2', ort: 'symbolic dims (not runnable as is)',
  },
  'MultiHeadAttention, cross attention with Ev != E': {
    op: 'MultiHeadAttention', attrs: { num_heads: i(4) }, outputs: 1,
    inputs: [{ name: 'q', dtype: F, shape: [2, 3, 16] }, { name: 'k', dtype: F, shape: [2, 5, 16] }, { name: 'v', dtype: F, shape: [2, 5, 24] }],
    shapes: [[2, 3, 24]], macs: 2 * 4 * 3 * 5 * (4 + 6), flops: 2 * 1200 + 5 * 2 * 4 * 3 * 5, ort: true,
  },
  'MultiHeadAttention, self attention with a past cache: T = past + kv sequence': {
    op: 'MultiHeadAttention', attrs: { num_heads: i(4) }, outputs: 3,
    inputs: [{ name: 'q', dtype: F, shape: [2, 3, 16] }, { name: 'k', dtype: F, shape: [2, 3, 16] }, { name: 'v', dtype: F, shape: [2, 3, 16] }, null, null, null,
      { name: 'pk', dtype: F, shape: [2, 4, 2, 4] }, { name: 'pv', dtype: F, shape: [2, 4, 2, 4] }],
    shapes: [[2, 3, 16], [2, 4, 5, 4], [2, 4, 5, 4]], macs: 2 * 4 * 3 * 5 * 8, flops: 2 * 960 + 5 * 2 * 4 * 3 * 5, ort: true,
  },
  'Attention (com.microsoft): QKV projection + attention over past + sequence': {
    op: 'Attention', attrs: { num_heads: i(4), unidirectional: i(1) }, outputs: 2,
    inputs: [{ name: 'x', dtype: F, shape: [2, 3, 16] }, { name: 'w', dtype: F, shape: [16, 48], init: rand(768) }, { name: 'b', dtype: F, shape: [48], init: rand(48, 2) }, null,
      { name: 'past', dtype: F, shape: [2, 2, 4, 1, 4] }],
    shapes: [[2, 3, 16], [2, 2, 4, 4, 4]], macs: 2 * 3 * 16 * 48 + 2 * 3 * 4 * 32, flops: 2 * 4608 + 2 * 3 * 48 + 2 * 768 + 5 * 2 * 4 * 3 * 4, params: 768 + 48, ort: true,
  },
  'RotaryEmbedding (com.microsoft), 3-D input, whole head rotated: 3 FLOPs per element': {
    op: 'RotaryEmbedding', attrs: { num_heads: i(2) }, outputs: 1,
    inputs: [{ name: 'x', dtype: F, shape: [1, 3, 16] }, { name: 'pos', dtype: 'int64', shape: [1, 3], feed: [0, 1, 2] }, { name: 'cos', dtype: F, shape: [10, 4], init: rand(40) }, { name: 'sin', dtype: F, shape: [10, 4], init: rand(40, 3) }],
    shapes: [[1, 3, 16]], macs: 0, flops: 3 * 48, params: 0, weightBytes: 2 * 40 * 4, ort: true,
  },
  'RotaryEmbedding (com.microsoft), partial rotary_embedding_dim: only that part costs': {
    op: 'RotaryEmbedding', attrs: { num_heads: i(2), rotary_embedding_dim: i(4) }, outputs: 1,
    inputs: [{ name: 'x', dtype: F, shape: [1, 3, 16] }, { name: 'pos', dtype: 'int64', shape: [1, 3], feed: [0, 1, 2] }, { name: 'cos', dtype: F, shape: [10, 2], init: rand(20) }, { name: 'sin', dtype: F, shape: [10, 2], init: rand(20, 3) }],
    shapes: [[1, 3, 16]], macs: 0, flops: 3 * 48 / 2, ort: true,
  },
  'RotaryEmbedding (opset 23), 4-D input with position ids': {
    op: 'RotaryEmbedding', domain: '', opset: 23, outputs: 1,
    inputs: [{ name: 'x', dtype: F, shape: [1, 2, 3, 8] }, { name: 'cos', dtype: F, shape: [10, 4], init: rand(40) }, { name: 'sin', dtype: F, shape: [10, 4], init: rand(40, 3) }, { name: 'pos', dtype: 'int64', shape: [1, 3], feed: [0, 1, 2] }],
    shapes: [[1, 2, 3, 8]], macs: 0, flops: 3 * 48, params: 0, ort: true,
  },
  'Attention (opset 23), 4-D GQA with past: present = past + new, T = 8; qk output [B, Hq, S, T]': {
    op: 'Attention', domain: '', opset: 23, outputs: 4,
    inputs: [{ name: 'q', dtype: F, shape: [1, 4, 3, 8] }, { name: 'k', dtype: F, shape: [1, 2, 3, 8] }, { name: 'v', dtype: F, shape: [1, 2, 3, 8] }, null,
      { name: 'pk', dtype: F, shape: [1, 2, 5, 8] }, { name: 'pv', dtype: F, shape: [1, 2, 5, 8] }],
    shapes: [[1, 4, 3, 8], [1, 2, 8, 8], [1, 2, 8, 8], [1, 4, 3, 8]], macs: 4 * 3 * 8 * 16, flops: 2 * 1536 + 5 * 4 * 3 * 8, ort: true,
  },
  'Attention (opset 23), 3-D with q_num_heads / kv_num_heads': {
    op: 'Attention', domain: '', opset: 23, attrs: { q_num_heads: i(4), kv_num_heads: i(2) }, outputs: 1,
    inputs: [{ name: 'q', dtype: F, shape: [1, 3, 32] }, { name: 'k', dtype: F, shape: [1, 3, 16] }, { name: 'v', dtype: F, shape: [1, 3, 16] }],
    shapes: [[1, 3, 32]], macs: 4 * 3 * 3 * 16, flops: 2 * 576 + 5 * 36, ort: true,
  },
  'RMSNormalization (opset 23): 3 + 1 (scale) FLOPs per element': {
    op: 'RMSNormalization', domain: '', opset: 23, outputs: 1,
    inputs: [{ name: 'x', dtype: F, shape: [2, 3, 8] }, { name: 'g', dtype: F, shape: [8], init: rand(8) }],
    shapes: [[2, 3, 8]], macs: 0, flops: 4 * 48, params: 8, ort: true,
  },
  'MatMulNBits 4-bit, block 32, zero points and bias: logical params N·K, stored bytes': {
    op: 'MatMulNBits', attrs: { K: i(64), N: i(32), bits: i(4), block_size: i(32) }, outputs: 1,
    inputs: [{ name: 'a', dtype: F, shape: [1, 3, 64] }, { name: 'B', dtype: 'uint8', shape: [32, 2, 16], init: u8(1024) }, { name: 'scales', dtype: F, shape: [32, 2], init: rand(64).map((x) => x / 100) },
      { name: 'zp', dtype: 'uint8', shape: [32, 1], init: u8(32, 5) }, null, { name: 'bias', dtype: F, shape: [32], init: rand(32) }],
    // B: 32 rows x 2 blocks x 32*4/8 bytes; scales 64 floats; zero points ceil(2*4/8) byte per row; bias 32 floats.
    shapes: [[1, 3, 32]], macs: 3 * 32 * 64, flops: 2 * 6144 + 96, params: 32 * 64 + 32, weightBytes: 32 * 2 * 16 + 64 * 4 + 32 + 32 * 4,
    bytesByType: { 'int4 blocks': 1024, float32: 64 * 4 + 32 * 4, uint8: 32 }, ort: true,
  },
  'MatMulNBits 8-bit without zero points, K not a multiple of the block': {
    op: 'MatMulNBits', attrs: { K: i(40), N: i(8), bits: i(8), block_size: i(16) }, outputs: 1,
    inputs: [{ name: 'a', dtype: F, shape: [2, 40] }, { name: 'B', dtype: 'uint8', shape: [8, 3, 16], init: u8(384) }, { name: 'scales', dtype: F, shape: [24], init: rand(24).map((x) => x / 100) }],
    shapes: [[2, 8]], macs: 2 * 8 * 40, flops: 2 * 640, params: 8 * 40, weightBytes: 384 + 96, ort: true,
  },
  'GatherBlockQuantized, uint8 with 4 bits: logical table [10, 16]': {
    op: 'GatherBlockQuantized', attrs: { bits: i(4), block_size: i(16), gather_axis: i(0), quantize_axis: i(1) }, outputs: 1,
    inputs: [{ name: 'table', dtype: 'uint8', shape: [10, 8], init: u8(80) }, { name: 'ids', dtype: 'int64', shape: [2, 3], feed: [0, 1, 2, 3, 4, 9] }, { name: 'scales', dtype: F, shape: [10, 1], init: rand(10) }],
    shapes: [[2, 3, 16]], dtypes: ['float32'], macs: 0, flops: 96, params: 160, weightBytes: 80 + 40, ort: true,
  },
  'SimplifiedLayerNormalization (ONNX domain, as onnxruntime registers it)': {
    op: 'SimplifiedLayerNormalization', domain: '', outputs: 2, attrs: { axis: i(-1), epsilon: f(1e-5) },
    inputs: [{ name: 'x', dtype: F, shape: [2, 3, 8] }, { name: 'g', dtype: F, shape: [8], init: rand(8) }],
    shapes: [[2, 3, 8], [2, 3, 1]], macs: 0, flops: 4 * 48, params: 8, ort: true,
  },
  'SkipSimplifiedLayerNormalization with bias and the residual sum output': {
    op: 'SkipSimplifiedLayerNormalization', outputs: 4, attrs: { epsilon: f(1e-5) },
    inputs: [{ name: 'x', dtype: F, shape: [2, 3, 8] }, { name: 'skip', dtype: F, shape: [2, 3, 8] }, { name: 'g', dtype: F, shape: [8], init: rand(8) }, { name: 'bias', dtype: F, shape: [8], init: rand(8, 2) }],
    shapes: [[2, 3, 8], undefined, undefined, [2, 3, 8]], macs: 0, flops: (1 + 3 + 2) * 48, params: 16, ort: true,
  },
  'SkipLayerNormalization with beta and bias': {
    op: 'SkipLayerNormalization', outputs: 4, attrs: { epsilon: f(1e-5) },
    inputs: [{ name: 'x', dtype: F, shape: [2, 3, 8] }, { name: 'skip', dtype: F, shape: [2, 3, 8] }, { name: 'g', dtype: F, shape: [8], init: rand(8) }, { name: 'beta', dtype: F, shape: [8], init: rand(8, 2) }, { name: 'bias', dtype: F, shape: [8], init: rand(8, 3) }],
    shapes: [[2, 3, 8], undefined, undefined, [2, 3, 8]], macs: 0, flops: (1 + 5 + 3) * 48, params: 24, ort: true,
  },
  'FastGelu with bias: 8 + 1 per element': {
    op: 'FastGelu', outputs: 1, inputs: [{ name: 'x', dtype: F, shape: [2, 3, 8] }, { name: 'b', dtype: F, shape: [8], init: rand(8) }],
    shapes: [[2, 3, 8]], macs: 0, flops: 9 * 48, params: 8, ort: true,
  },
  'BiasGelu: erf Gelu 5 + bias 1': {
    op: 'BiasGelu', outputs: 1, inputs: [{ name: 'x', dtype: F, shape: [2, 3, 8] }, { name: 'b', dtype: F, shape: [8], init: rand(8) }],
    shapes: [[2, 3, 8]], macs: 0, flops: 6 * 48, params: 8, ort: true,
  },
  'QuickGelu: x·sigmoid(alpha·x), 6 per element': {
    op: 'QuickGelu', outputs: 1, attrs: { alpha: f(1.702) }, inputs: [{ name: 'x', dtype: F, shape: [2, 3, 8] }],
    shapes: [[2, 3, 8]], macs: 0, flops: 6 * 48, ort: true,
  },
  'EmbedLayerNormalization (BERT): word + position + segment, LayerNorm, mask index': {
    op: 'EmbedLayerNormalization', outputs: 2, attrs: { epsilon: f(1e-12) },
    inputs: [{ name: 'ids', dtype: 'int32', shape: [2, 3] }, { name: 'seg', dtype: 'int32', shape: [2, 3], feed: [0, 1, 0, 1, 1, 0] }, { name: 'word', dtype: F, shape: [20, 8], init: rand(160) },
      { name: 'pos', dtype: F, shape: [16, 8], init: rand(128, 2) }, { name: 'segemb', dtype: F, shape: [2, 8], init: rand(16, 3) }, { name: 'g', dtype: F, shape: [8], init: rand(8, 4) }, { name: 'be', dtype: F, shape: [8], init: rand(8, 5) }],
    shapes: [[2, 3, 8], [2]], dtypes: ['float32', 'int32'], macs: 0, flops: (2 + 5 + 2) * 48, params: 160 + 128 + 16 + 16, ort: true,
  },
  'FusedMatMul with transA, transB and alpha': {
    op: 'FusedMatMul', outputs: 1, attrs: { transA: i(1), transB: i(1), alpha: f(0.5) },
    inputs: [{ name: 'a', dtype: F, shape: [2, 4, 3] }, { name: 'b', dtype: F, shape: [5, 4], init: rand(20) }],
    shapes: [[2, 3, 5]], macs: 2 * 3 * 5 * 4, flops: 240 + 30, params: 20, ort: true,
  },
  'FusedConv with Relu and a residual Z': {
    op: 'FusedConv', outputs: 1, attrs: { activation: s('Relu'), kernel_shape: is([3, 3]) },
    inputs: [{ name: 'x', dtype: F, shape: [1, 2, 5, 5] }, { name: 'w', dtype: F, shape: [3, 2, 3, 3], init: rand(54) }, { name: 'b', dtype: F, shape: [3], init: rand(3) }, { name: 'z', dtype: F, shape: [1, 3, 3, 3] }],
    shapes: [[1, 3, 3, 3]], macs: 27 * 18, flops: 2 * 486 + 27 + 27 + 27, params: 57, ort: true,
  },
  'NhwcConv: channels-last in and out, weights in the ONNX layout': {
    op: 'NhwcConv', outputs: 1, attrs: { kernel_shape: is([3, 3]), strides: is([2, 2]), pads: is([1, 1, 1, 1]) },
    inputs: [{ name: 'x', dtype: F, shape: [1, 5, 5, 2] }, { name: 'w', dtype: F, shape: [3, 2, 3, 3], init: rand(54) }],
    shapes: [[1, 3, 3, 3]], macs: 27 * 18, flops: 2 * 486, params: 54, ort: 'NhwcConv has CUDA/ROCm kernels only',
  },
  'QOrderedMatMul (int8, cublasLt orders)': {
    op: 'QOrderedMatMul', outputs: 1, attrs: { order_A: i(1), order_B: i(0), order_Y: i(1) },
    inputs: [{ name: 'a', dtype: 'int8', shape: [1, 3, 4] }, scalar('sa', F, 0.1), { name: 'b', dtype: 'int8', shape: [4, 5], init: u8(20).map((x) => x - 128) }, scalar('sb', F, 0.1), scalar('sy', F, 0.1)],
    shapes: [[1, 3, 5]], dtypes: ['int8'], macs: 60, flops: 120, params: 20, ort: 'QOrderedMatMul has a CUDA kernel only',
  },
  'Gelu (com.microsoft, erf form): 5 per element': {
    op: 'Gelu', outputs: 1, inputs: [{ name: 'x', dtype: F, shape: [2, 3, 8] }], shapes: [[2, 3, 8]], macs: 0, flops: 5 * 48, ort: true,
  },
  'BiasAdd (diffusion UNets): X + bias + skip, 2 per element': {
    op: 'BiasAdd', outputs: 1, inputs: [{ name: 'x', dtype: F, shape: [2, 4, 8] }, { name: 'b', dtype: F, shape: [8], init: rand(8) }, { name: 'skip', dtype: F, shape: [2, 4, 8] }],
    shapes: [[2, 4, 8]], macs: 0, flops: 2 * 64, params: 8, ort: 'BiasAdd has CUDA/ROCm kernels only',
  },
  'NhwcFusedConv: channels-last conv + bias + Relu': {
    op: 'NhwcFusedConv', outputs: 1, attrs: { activation: s('Relu'), kernel_shape: is([3, 3]) },
    inputs: [{ name: 'x', dtype: F, shape: [1, 5, 5, 2] }, { name: 'w', dtype: F, shape: [3, 2, 3, 3], init: rand(54) }, { name: 'b', dtype: F, shape: [3], init: rand(3) }],
    shapes: [[1, 3, 3, 3]], macs: 486, flops: 972 + 27 + 27, params: 57, ort: 'NhwcFusedConv has no x86 CPU kernel in onnxruntime 1.30',
  },
  'DynamicQuantizeMatMul: float A x int8 B with bias; B counts as parameters, its scale does not': {
    op: 'DynamicQuantizeMatMul', outputs: 1,
    inputs: [{ name: 'a', dtype: F, shape: [2, 3, 4] }, { name: 'b', dtype: 'int8', shape: [4, 5], init: u8(20).map((x) => x - 128) }, { name: 'bs', dtype: F, shape: [1], init: [0.02] }, null, { name: 'bias', dtype: F, shape: [5], init: rand(5) }],
    shapes: [[2, 3, 5]], dtypes: ['float32'], macs: 2 * 3 * 5 * 4, flops: 240 + 30, params: 25, ort: true,
  },
  'MatMulIntegerToFloat: uint8 A x uint8 B, float out': {
    op: 'MatMulIntegerToFloat', outputs: 1,
    inputs: [{ name: 'a', dtype: 'uint8', shape: [3, 4] }, { name: 'b', dtype: 'uint8', shape: [4, 5], init: u8(20) }, scalar('as', F, 0.1), { name: 'bs', dtype: F, shape: [1], init: [0.02] }],
    shapes: [[3, 5]], dtypes: ['float32'], macs: 60, flops: 120, params: 20, ort: true,
  },
  'QGemm with a quantized output': {
    op: 'QGemm', outputs: 1, attrs: { transB: i(1) },
    inputs: [{ name: 'a', dtype: 'uint8', shape: [3, 4] }, scalar('sa', F, 0.1), scalar('za', 'uint8', 1), { name: 'b', dtype: 'uint8', shape: [5, 4], init: u8(20) }, scalar('sb', F, 0.1), scalar('zb', 'uint8', 2), null, scalar('sy', F, 0.5), scalar('zy', 'uint8', 3)],
    shapes: [[3, 5]], dtypes: ['uint8'], macs: 60, flops: 120, params: 20, ort: true,
  },
};

const qIn = (name: string, shape: number[], dtype: DType = 'uint8'): In[] => [{ name, dtype, shape }, scalar(`${name}_s`, F, 0.05), scalar(`${name}_z`, dtype, 3)];
const qOut = (name = 'y'): In[] => [scalar(`${name}_s`, F, 0.1), scalar(`${name}_z`, 'uint8', 5)];
Object.assign(CASES, {
  'QLinearAdd broadcasting [2,3] + [3]': { op: 'QLinearAdd', outputs: 1, inputs: [...qIn('a', [2, 3]), ...qIn('b', [3]), ...qOut()], shapes: [[2, 3]], dtypes: ['uint8'], macs: 0, flops: 6, ort: true },
  'QLinearMul': { op: 'QLinearMul', outputs: 1, inputs: [...qIn('a', [2, 3]), ...qIn('b', [2, 1]), ...qOut()], shapes: [[2, 3]], macs: 0, flops: 6, ort: true },
  'QLinearSigmoid': { op: 'QLinearSigmoid', outputs: 1, inputs: [...qIn('x', [2, 3]), ...qOut()], shapes: [[2, 3]], macs: 0, flops: 24, ort: true },
  'QLinearLeakyRelu': { op: 'QLinearLeakyRelu', outputs: 1, attrs: { alpha: f(0.1) }, inputs: [...qIn('x', [2, 3]), ...qOut()], shapes: [[2, 3]], macs: 0, flops: 12, ort: true },
  'QLinearSoftmax': { op: 'QLinearSoftmax', outputs: 1, attrs: { axis: i(-1), opset: i(13) }, inputs: [...qIn('x', [2, 3]), ...qOut()], shapes: [[2, 3]], macs: 0, flops: 30, ort: true },
  'QLinearConcat on axis 1': { op: 'QLinearConcat', outputs: 1, attrs: { axis: i(1) }, inputs: [...qOut(), ...qIn('a', [2, 3]), ...qIn('b', [2, 4])], shapes: [[2, 7]], macs: 0, flops: 0, ort: true },
  'QLinearReduceMean over axis 1': { op: 'QLinearReduceMean', outputs: 1, attrs: { axes: is([1]), keepdims: i(0) }, inputs: [...qIn('x', [2, 3, 4]), ...qOut()], shapes: [[2, 4]], macs: 0, flops: 24, ort: 'onnxruntime 1.30 CPU has no QLinearReduceMean kernel' },
  'QLinearAveragePool 2x2 stride 2': { op: 'QLinearAveragePool', outputs: 1, attrs: { kernel_shape: is([2, 2]), strides: is([2, 2]) }, inputs: [...qIn('x', [1, 2, 4, 4]), ...qOut()], shapes: [[1, 2, 2, 2]], macs: 0, flops: 32, ort: true },
  'QLinearAveragePool channels_last': { op: 'QLinearAveragePool', outputs: 1, attrs: { kernel_shape: is([2, 2]), strides: is([2, 2]), channels_last: i(1) }, inputs: [...qIn('x', [1, 4, 4, 2]), ...qOut()], shapes: [[1, 2, 2, 2]], macs: 0, flops: 32, ort: true },
  'QLinearGlobalAveragePool channels_last': { op: 'QLinearGlobalAveragePool', outputs: 1, attrs: { channels_last: i(1) }, inputs: [...qIn('x', [1, 4, 4, 2]), ...qOut()], shapes: [[1, 1, 1, 2]], macs: 0, flops: 32, ort: true },
  'QLinearWhere': { op: 'QLinearWhere', outputs: 1, inputs: [{ name: 'c', dtype: 'bool', shape: [2, 3] }, ...qIn('x', [2, 3]), ...qIn('y', [1]), ...qOut('z')], shapes: [[2, 3]], macs: 0, flops: 6, ort: true },
  'QLinearConv (com.microsoft) channels_last': {
    op: 'QLinearConv', outputs: 1, attrs: { channels_last: i(1), kernel_shape: is([3, 3]) },
    inputs: [...qIn('x', [1, 5, 5, 2]), { name: 'w', dtype: 'uint8', shape: [3, 2, 3, 3], init: u8(54) }, scalar('w_s', F, 0.05), scalar('w_z', 'uint8', 128), ...qOut()],
    shapes: [[1, 3, 3, 3]], macs: 486, flops: 972, params: 54, ort: true,
  },
} satisfies Record<string, Case>);

describe('com.microsoft contrib ops and opset-23 LLM ops: shapes, costs, and onnxruntime', function () {
  this.timeout(120_000);
  const dir = tmpDir('contrib');
  for (const [title, c] of Object.entries(CASES)) {
    it(title, async () => {
      const m = build(c);
      const a = analyzeModel(m);
      assert.deepEqual(a.notCosted, [], 'every node costed');
      c.shapes.forEach((sh, k) => sh && assert.deepEqual(a.outputs[k].shape, sh, `output ${k} shape`));
      c.dtypes?.forEach((dt, k) => dt && assert.equal(a.outputs[k].dtype, dt, `output ${k} dtype`));
      assert.equal(a.totals.macs, c.macs, 'MACs');
      assert.equal(a.totals.flops, c.flops, 'FLOPs');
      if (c.params !== undefined) assert.equal(a.totals.params, c.params, 'params');
      if (c.weightBytes !== undefined) assert.equal(a.totals.weightBytes, c.weightBytes, 'weight bytes');
      if (c.bytesByType) assert.deepEqual(a.details.weightBytesByDtype, c.bytesByType, 'weight bytes by type');
      if (c.ort !== true) return;
      const file = path.join(dir, `${c.op}-${Object.keys(CASES).indexOf(title)}.onnx`);
      await writeOnnx(m, file);
      const sess = await ort.InferenceSession.create(file, { logSeverityLevel: 3, graphOptimizationLevel: 'disabled' });
      try {
        const out = await sess.run(feeds(c, 7));
        m.graph.outputs.forEach((o, k) => {
          const t = out[o.name];
          assert.ok(t, `onnxruntime produced ${o.name}`);
          assert.deepEqual(a.outputs[k].shape, [...t.dims], `output ${k}: ModelLens vs onnxruntime`);
        });
      } finally {
        await sess.release();
      }
    });
  }
});
