import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import type { Attribute, ValueInfo } from '../../../src/core/ir/graph';
import type { LazyTensor } from '../../../src/core/ir/tensor';
import { graph, int, ints, model, node, tensor, vi } from './graphBuilder';

/** One node, its runtime inputs and initializers; returns the analysis. Expected numbers are hand-derived. */
function one(op: string, inputs: string[], ins: ValueInfo[], inits: LazyTensor[], attrs: Record<string, Attribute> = {}, opset = 13, nOut = 1, domain = '') {
  const outs = Array.from({ length: nOut }, (_, i) => `y${i}`);
  const g = graph([node(op, inputs, outs, attrs, domain)], ins, outs.map((o) => vi(o, 'unknown')), inits);
  return analyzeModel({ ...model(g, opset), opsets: { '': opset, 'com.microsoft': 1 } });
}
const str = (value: string): Attribute => ({ kind: 'string', value });

describe('ONNX op rules', () => {
  it('Resize: scales (opset 13) and sizes; linear costs 3 FLOPs per output element per resized axis', () => {
    const a = one('Resize', ['x', '', 's'], [vi('x', 'float32', [1, 3, 10, 10])], [tensor('s', 'float32', [4], [1, 1, 2, 2])], { mode: str('linear') });
    assert.deepEqual(a.outputs[0].shape, [1, 3, 20, 20]);
    assert.equal(a.totals.flops, 3 * 2 * 1200);
    const b = one('Resize', ['x', '', '', 'sz'], [vi('x', 'float32', [1, 3, 10, 10])], [tensor('sz', 'int64', [4], [1, 3, 7, 5])]);
    assert.deepEqual(b.outputs[0].shape, [1, 3, 7, 5]);
    assert.equal(b.totals.flops, 0, 'nearest: no arithmetic');
  });

  it('Upsample (opset 9) with a scales input', () => {
    const a = one('Upsample', ['x', 's'], [vi('x', 'float32', [1, 2, 4, 4])], [tensor('s', 'float32', [4], [1, 1, 2, 2])], {}, 9);
    assert.deepEqual(a.outputs[0].shape, [1, 2, 8, 8]);
  });

  it('Slice with INT64_MAX ends on a symbolic axis, negative starts and steps', () => {
    const big = 2 ** 62;
    const a = one('Slice', ['x', 'st', 'en', 'ax'], [vi('x', 'float32', ['batch', 'sequence', 8])], [tensor('st', 'int64', [1], [1]), tensor('en', 'int64', [1], [big]), tensor('ax', 'int64', [1], [1])]);
    assert.deepEqual(a.outputs[0].shape, ['batch', 'sequence - 1', 8]);
    const b = one('Slice', ['x', 'st', 'en', 'ax', 'sp'], [vi('x', 'float32', [10])], [tensor('st', 'int64', [1], [-1]), tensor('en', 'int64', [1], [-big]), tensor('ax', 'int64', [1], [0]), tensor('sp', 'int64', [1], [-3])]);
    assert.deepEqual(b.outputs[0].shape, [4], 'indices 9, 6, 3, 0');
  });

  it('Slice (opset 9 attributes), Squeeze/Unsqueeze with axes attributes (opset 11)', () => {
    const a = one('Slice', ['x'], [vi('x', 'float32', [4, 6])], [], { starts: ints([1]), ends: ints([5]), axes: ints([1]) }, 9);
    assert.deepEqual(a.outputs[0].shape, [4, 4]);
    const b = one('Unsqueeze', ['x'], [vi('x', 'float32', [4, 6])], [], { axes: ints([0, -1]) }, 11);
    assert.deepEqual(b.outputs[0].shape, [1, 4, 6, 1]);
    const c = one('Squeeze', ['x'], [vi('x', 'float32', [1, 4, 1])], [], { axes: ints([2]) }, 11);
    assert.deepEqual(c.outputs[0].shape, [1, 4]);
  });

  it('Split: sizes input (opset 13) and equal split', () => {
    const a = one('Split', ['x', 's'], [vi('x', 'float32', [2, 10])], [tensor('s', 'int64', [2], [3, 7])], { axis: int(1) }, 13, 2);
    assert.deepEqual(a.outputs.map((o) => o.shape), [[2, 3], [2, 7]]);
    const b = one('Split', ['x'], [vi('x', 'float32', [2, 'n'])], [], { axis: int(1) }, 13, 2);
    assert.equal(b.notCosted.length, 0);
    assert.equal(b.outputs[0].shape![0], 2);
  });

  it('Pad (opset 11 input form) and Tile', () => {
    const a = one('Pad', ['x', 'p'], [vi('x', 'float32', [1, 3, 5])], [tensor('p', 'int64', [6], [0, 0, 1, 0, 0, 2])]);
    assert.deepEqual(a.outputs[0].shape, [1, 3, 8]);
    const b = one('Tile', ['x', 'r'], [vi('x', 'float32', [2, 'n'])], [tensor('r', 'int64', [2], [3, 2])]);
    assert.deepEqual(b.outputs[0].shape, [6, '2*n']);
  });

  it('Gemm with transA and a bias; MatMul with 1-D and batched operands', () => {
    const a = one('Gemm', ['a', 'b', 'c'], [vi('a', 'float32', [7, 5])], [tensor('b', 'float32', [7, 3]), tensor('c', 'float32', [3])], { transA: int(1) });
    assert.deepEqual(a.outputs[0].shape, [5, 3]);
    assert.equal(a.totals.macs, 5 * 3 * 7);
    assert.equal(a.totals.flops, 2 * 105 + 15);
    const b = one('MatMul', ['a', 'b'], [vi('a', 'float32', [6]), vi('b', 'float32', [4, 6, 2])], []);
    assert.deepEqual(b.outputs[0].shape, [4, 2]);
    assert.equal(b.totals.macs, 4 * 2 * 6);
    const c = one('MatMul', ['a', 'b'], [vi('a', 'float32', ['b', 4, 'sequence', 32]), vi('b', 'float32', ['b', 4, 32, 'sequence'])], []);
    assert.deepEqual(c.outputs[0].shape, ['b', 4, 'sequence', 'sequence']);
    assert.equal(c.totals.macs, '128*b*sequence^2');
  });

  it('GRU and RNN: 3H(I+H) and H(I+H) MACs per step and direction', () => {
    const H = 10;
    const I = 6;
    const gru = one('GRU', ['x', 'W', 'R'], [vi('x', 'float32', [5, 2, I])], [tensor('W', 'float32', [1, 3 * H, I]), tensor('R', 'float32', [1, 3 * H, H])], { hidden_size: int(H) }, 13, 2);
    assert.equal(gru.totals.macs, 5 * 2 * 3 * H * (I + H));
    assert.deepEqual(gru.outputs.map((o) => o.shape), [[5, 1, 2, H], [1, 2, H]]);
    const rnn = one('RNN', ['x', 'W', 'R'], [vi('x', 'float32', [2, 5, I])], [tensor('W', 'float32', [1, H, I]), tensor('R', 'float32', [1, H, H])], { hidden_size: int(H), layout: int(1) });
    assert.equal(rnn.totals.macs, 5 * 2 * H * (I + H));
    assert.deepEqual(rnn.outputs[0].shape, [2, 5, 1, H]);
  });

  it('quantized ops: QLinearConv, MatMulInteger, DequantizeLinear', () => {
    const q = one(
      'QLinearConv',
      ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'],
      [vi('x', 'uint8', [1, 4, 8, 8])],
      [tensor('xs', 'float32', [], [1]), tensor('xz', 'uint8', [], [0]), { ...tensor('w', 'int8', [6, 4, 3, 3]) }, tensor('ws', 'float32', [], [1]), tensor('wz', 'int8', [], [0]), tensor('ys', 'float32', [], [1]), tensor('yz', 'uint8', [], [0])],
      { pads: ints([1, 1, 1, 1]) },
    );
    assert.deepEqual(q.outputs[0].shape, [1, 6, 8, 8]);
    assert.equal(q.outputs[0].dtype, 'uint8');
    assert.equal(q.totals.macs, 6 * 64 * 4 * 9);
    // The int8 weight is the layer's parameters; scales and zero points are quantization metadata.
    assert.equal(q.totals.params, 216);
    assert.equal(q.totals.weightBytes, 216 + 3 * 4 + 3);
    assert.equal(q.details.nonFloatInitializerElements, 3, 'zero points are neither parameters nor float');
    const m = one('MatMulInteger', ['a', 'b'], [vi('a', 'uint8', [3, 8])], [tensor('b', 'int8', [8, 2])]);
    assert.equal(m.outputs[0].dtype, 'int32');
    assert.equal(m.totals.macs, 3 * 2 * 8);
    const d = one('DequantizeLinear', ['x', 's', 'z'], [vi('x', 'int8', [4, 4])], [tensor('s', 'float32', [], [0.1]), tensor('z', 'int8', [], [0])]);
    assert.equal(d.outputs[0].dtype, 'float32');
    assert.equal(d.totals.params, 0, 'a scale is not a parameter');
    const dw = one('DequantizeLinear', ['w', 's', 'z'], [], [tensor('w', 'int8', [6, 4]), tensor('s', 'float32', [6]), tensor('z', 'int8', [6])], { axis: int(0) }, 13);
    assert.equal(dw.totals.params, 24, 'a weight stored as int8 is still 24 parameters');
  });

  it('com.microsoft Attention: QKV projection plus the two attention matmuls', () => {
    const [B, S, D, heads] = [2, 16, 64, 4];
    const a = one('Attention', ['x', 'w', 'b'], [vi('x', 'float32', [B, S, D])], [tensor('w', 'float32', [D, 3 * D]), tensor('b', 'float32', [3 * D])], { num_heads: int(heads) }, 13, 1, 'com.microsoft');
    assert.deepEqual(a.outputs[0].shape, [B, S, D]);
    assert.equal(a.totals.macs, B * S * D * 3 * D + 2 * B * S * S * D);
  });

  it('ONNX Attention (opset 23, 4-D) and com.microsoft MatMulNBits', () => {
    const [B, H, S, L, E] = [2, 4, 8, 12, 16];
    const a = one('Attention', ['q', 'k', 'v'], [vi('q', 'float32', [B, H, S, E]), vi('k', 'float32', [B, H, L, E]), vi('v', 'float32', [B, H, L, E])], [], {}, 23);
    assert.deepEqual(a.outputs[0].shape, [B, H, S, E]);
    assert.equal(a.totals.macs, 2 * B * H * S * L * E, 'QK^T and AV');
    const m = one('MatMulNBits', ['a', 'b', 's'], [vi('a', 'float32', [1, 'sequence', 64])], [tensor('b', 'uint8', [32, 2, 16]), tensor('s', 'float32', [64])], { K: int(64), N: int(32), bits: int(4), block_size: int(32) }, 13, 1, 'com.microsoft');
    assert.deepEqual(m.outputs[0].shape, [1, 'sequence', 32]);
    assert.equal(m.totals.macs, '2048*sequence');
  });

  it('If with a constant condition takes that branch', () => {
    const thenG = graph([node('MatMul', ['x', 'w'], ['t'])], [], [vi('t', 'float32')]);
    const elseG = graph([node('Relu', ['x'], ['e'])], [], [vi('e', 'float32')]);
    const g = graph(
      [node('If', ['c'], ['y'], { then_branch: { kind: 'graph', value: thenG }, else_branch: { kind: 'graph', value: elseG } })],
      [vi('x', 'float32', [2, 3])],
      [vi('y', 'float32')],
      [tensor('c', 'int64', [], [1]), tensor('w', 'float32', [3, 5])],
    );
    const a = analyzeModel(model(g));
    assert.deepEqual(a.outputs[0].shape, [2, 5]);
    assert.equal(a.totals.macs, 2 * 5 * 3);
  });

  it('Scan runs its body once per element of the scan axis', () => {
    // Running sum over 7 steps of [3, 4] slices: body = Add(state, slice) and MatMul(slice, w).
    const body = graph(
      [node('Add', ['s', 'xt'], ['s2']), node('MatMul', ['xt', 'w'], ['yt'])],
      [vi('s', 'float32'), vi('xt', 'float32')],
      [vi('s2', 'float32'), vi('yt', 'float32')],
    );
    const g = graph(
      [node('Scan', ['s0', 'x'], ['sN', 'ys'], { body: { kind: 'graph', value: body }, num_scan_inputs: int(1) })],
      [vi('s0', 'float32', [3, 4]), vi('x', 'float32', [7, 3, 4])],
      [vi('sN', 'float32'), vi('ys', 'float32')],
      [tensor('w', 'float32', [4, 2])],
    );
    const a = analyzeModel(model(g));
    assert.deepEqual(a.outputs.map((o) => o.shape), [[3, 4], [7, 3, 2]]);
    assert.equal(a.totals.macs, 7 * 3 * 2 * 4);
    assert.equal(a.totals.flops, 7 * (12 + 2 * 24));
  });

  it('Conv with auto_pad SAME_UPPER, strides and groups; pooling with dilations', () => {
    const a = one('Conv', ['x', 'w'], [vi('x', 'float32', [1, 8, 15, 15])], [tensor('w', 'float32', [8, 2, 3, 3])], { auto_pad: str('SAME_UPPER'), strides: ints([2, 2]), group: int(4) });
    assert.deepEqual(a.outputs[0].shape, [1, 8, 8, 8]);
    assert.equal(a.totals.macs, 8 * 64 * 2 * 9);
    const p = one('MaxPool', ['x'], [vi('x', 'float32', [1, 1, 10])], [], { kernel_shape: ints([3]), dilations: ints([2]) });
    assert.deepEqual(p.outputs[0].shape, [1, 1, 6], '(10 - 5) / 1 + 1');
  });

  it('ReduceSum axes input (opset 13) vs ReduceMean axes attribute; ArgMax; TopK', () => {
    const r = one('ReduceSum', ['x', 'ax'], [vi('x', 'float32', [2, 3, 4])], [tensor('ax', 'int64', [1], [1])], { keepdims: int(0) });
    assert.deepEqual(r.outputs[0].shape, [2, 4]);
    assert.equal(r.totals.flops, 24);
    const m = one('ReduceMean', ['x'], [vi('x', 'float32', [2, 3, 4])], [], { axes: ints([-1]) });
    assert.deepEqual(m.outputs[0].shape, [2, 3, 1]);
    const t = one('TopK', ['x', 'k'], [vi('x', 'float32', [2, 50])], [tensor('k', 'int64', [1], [5])], {}, 13, 2);
    assert.deepEqual(t.outputs.map((o) => [o.dtype, o.shape]), [['float32', [2, 5]], ['int64', [2, 5]]]);
  });

  it('LayerNormalization, Softmax and activations cost per element by the convention table', () => {
    const ln = one('LayerNormalization', ['x', 's', 'b'], [vi('x', 'float32', [2, 8])], [tensor('s', 'float32', [8]), tensor('b', 'float32', [8])], {}, 17);
    assert.equal(ln.totals.flops, 16 * 7, '5 statistics + scale + bias per element');
    const sm = one('Softmax', ['x'], [vi('x', 'float32', [2, 8])], []);
    assert.equal(sm.totals.flops, 16 * 5);
    const hs = one('HardSwish', ['x'], [vi('x', 'float32', [2, 8])], []);
    assert.equal(hs.totals.flops, 16 * 4);
    const cl = one('Clip', ['x', 'lo', 'hi'], [vi('x', 'float32', [3])], [tensor('lo', 'float32', [], [0]), tensor('hi', 'float32', [], [6])], {}, 13);
    assert.equal(cl.totals.flops, 6);
  });
});
