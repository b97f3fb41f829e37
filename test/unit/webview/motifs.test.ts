import assert from 'node:assert/strict';
import { countMotifs, findMotifs } from '../../../src/core/motifs/index';
import { analysisOf } from './build';

const W = (name: string, shape: number[]) => ({ [name]: shape });

describe('motifs (synthetic)', () => {
  it('finds a residual block: the skip joins the weighted branch at an Add', () => {
    const a = analysisOf([
      ['stem', 'Conv', ['x', 'w0'], ['a'], 10],
      ['c1', 'Conv', ['a', 'w1'], ['b'], 10],
      ['r', 'Relu', ['b'], ['c']],
      ['c2', 'Conv', ['c', 'w2'], ['d'], 10],
      ['add', 'Add', ['a', 'd'], ['e']],
    ], { dtypes: {} });
    const m = findMotifs(a).filter((x) => x.kind === 'residual');
    assert.equal(m.length, 1);
    assert.equal(m[0].anchor, 'add');
    assert.deepEqual(m[0].layers, ['c1', 'r', 'c2', 'add']);
  });

  it('a bias Add, an epsilon Add and an embedding sum are not residuals', () => {
    const a = analysisOf([
      ['mm', 'MatMul', ['x', 'w'], ['a'], 10],
      ['bias', 'Add', ['a', 'b'], ['c']], // b is a weight: no producer
      ['eps', 'Constant', [], ['e']],
      ['addeps', 'Add', ['c', 'e'], ['f']],
      ['tok', 'Gather', ['tw', 'ids'], ['t'], 100],
      ['shape', 'Shape', ['ids'], ['s']],
      ['pos', 'Gather', ['pw', 's'], ['p'], 100],
      ['sum', 'Add', ['t', 'p'], ['q']],
    ], { inputs: ['x', 'ids'], dtypes: { ids: 'int64', s: 'int64' } });
    assert.equal(countMotifs(findMotifs(a)).residual, 0);
  });

  it('pairs a depthwise conv with the next pointwise conv, past BN/activation', () => {
    const a = analysisOf([
      ['dw', 'Conv', ['x', 'wd'], ['a'], 32 * 9],
      ['bn', 'BatchNormalization', ['a'], ['b'], 64],
      ['act', 'Relu', ['b'], ['c']],
      ['pw', 'Conv', ['c', 'wp'], ['d'], 64 * 32],
      ['full', 'Conv', ['d', 'wf'], ['e'], 64 * 64 * 9],
      ['pw2', 'Conv', ['e', 'wp2'], ['f'], 64 * 64],
    ], { shapes: { x: [1, 32, 8, 8], ...W('wd', [32, 1, 3, 3]), wp: [64, 32, 1, 1], wf: [64, 64, 3, 3], wp2: [64, 64, 1, 1], d: [1, 64, 8, 8] } });
    const m = findMotifs(a).filter((x) => x.kind === 'depthwise-separable');
    // The 3x3 "full" conv has groups = 1: it is a candidate for the rewrite, not a separable pair.
    assert.equal(m.length, 1);
    assert.equal(m[0].anchor, 'pw');
    assert.deepEqual(m[0].layers, ['dw', 'bn', 'act', 'pw']);
  });

  it('recognises depthwise convs from params when the weight shape is absent (Keras)', () => {
    // channels_last; DepthwiseConv2D by class name, Conv2D 1x1 by params = Cin*Cout + Cout bias.
    const a = analysisOf([
      ['dw', 'DepthwiseConv2D', ['x'], ['a'], 16 * 9],
      ['pw', 'Conv2D', ['a'], ['b'], 16 * 24 + 24],
      ['sep', 'SeparableConv2D', ['b'], ['c'], 100],
    ], { format: 'keras', shapes: { x: [1, 8, 8, 16], a: [1, 8, 8, 16], b: [1, 8, 8, 24] } });
    const m = findMotifs(a).filter((x) => x.kind === 'depthwise-separable');
    assert.deepEqual(m.map((x) => x.anchor).sort(), ['pw', 'sep']);
  });

  it('finds scaled dot-product attention: MatMul(Q,Kᵀ) -> Div -> Softmax -> MatMul(·,V)', () => {
    const a = analysisOf([
      ['q', 'MatMul', ['x', 'wq'], ['Q'], 16],
      ['k', 'MatMul', ['x', 'wk'], ['K'], 16],
      ['v', 'MatMul', ['x', 'wv'], ['V'], 16],
      ['kt', 'Transpose', ['K'], ['Kt']],
      ['qk', 'MatMul', ['Q', 'Kt'], ['S']],
      ['scale', 'Div', ['S', 'sqrt_d'], ['S2']],
      ['sm', 'Softmax', ['S2'], ['P']],
      ['av', 'MatMul', ['P', 'V'], ['O']],
      ['o', 'MatMul', ['O', 'wo'], ['Y'], 16],
      ['sm2', 'Softmax', ['Y'], ['Z']], // a classifier softmax: no attention
    ]);
    const m = findMotifs(a).filter((x) => x.kind === 'attention');
    assert.equal(m.length, 1);
    assert.equal(m[0].anchor, 'sm');
    assert.deepEqual(m[0].layers, ['qk', 'scale', 'sm', 'av']);
  });

  it('finds a squeeze-excitation gate: pool -> FC -> act -> FC -> sigmoid -> Mul with the pooled input', () => {
    const a = analysisOf([
      ['conv', 'Conv', ['x', 'w'], ['a'], 10],
      ['pool', 'GlobalAveragePool', ['a'], ['p']],
      ['fc1', 'Conv', ['p', 'w1'], ['f1'], 10],
      ['relu', 'Relu', ['f1'], ['f2']],
      ['fc2', 'Conv', ['f2', 'w2'], ['f3'], 10],
      ['gate', 'HardSigmoid', ['f3'], ['g']],
      ['mul', 'Mul', ['a', 'g'], ['y']],
      ['mul2', 'Mul', ['y', 'y2'], ['z']], // y2 has no producer: a weight
    ]);
    const m = findMotifs(a).filter((x) => x.kind === 'squeeze-excitation');
    assert.equal(m.length, 1);
    assert.deepEqual(m[0].layers, ['pool', 'fc1', 'relu', 'fc2', 'gate', 'mul']);
  });
});

