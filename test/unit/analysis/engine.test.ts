import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { ModelError } from '../../../src/core/errors';
import { registerRules } from '../../../src/core/rules/registry';
import type { RuleTable } from '../../../src/core/rules/types';
import { graph, int, ints, model, node, tensor, vi } from './graphBuilder';


describe('analysis engine', () => {
  it('evaluates an unsorted graph in dependency order', () => {
    const relu = node('Relu', ['h'], ['y']);
    const conv = node('Conv', ['x', 'w'], ['h'], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
    const g = graph([relu, conv], [vi('x', 'float32', [1, 2, 4, 4])], [vi('y', 'float32')], [tensor('w', 'float32', [3, 2, 3, 3])]);
    const a = analyzeModel(model(g));
    assert.deepEqual(a.layers.map((l) => l.type), ['Conv', 'Relu']);
    // out 1x3x4x4 = 48 elements, each 2*3*3 = 18 MACs.
    assert.equal(a.totals.macs, 48 * 18);
    assert.deepEqual(a.outputs[0].shape, [1, 3, 4, 4]);
  });

  it('rejects a cycle with a ModelError', () => {
    const g = graph([node('Relu', ['b'], ['a']), node('Relu', ['a'], ['b'])], [], [vi('a', 'float32')]);
    assert.throws(() => analyzeModel(model(g)), (e: unknown) => e instanceof ModelError && /cycle/.test(e.message));
  });

  it('an op without a rule is reported, and its declared output type lets inference go on', () => {
    const g = graph(
      [node('Bar', ['x'], ['h'], {}, 'com.foo'), node('Relu', ['h'], ['y'])],
      [vi('x', 'float32', [2, 5])],
      [vi('y', 'float32')],
      [],
      [vi('h', 'float32', [2, 7])],
    );
    const a = analyzeModel(model(g));
    assert.deepEqual(a.notCosted, [{ name: a.layers[0].name, type: 'Bar', reason: 'no rule for com.foo.Bar' }]);
    assert.equal(a.layers[0].costed, false);
    assert.deepEqual(a.outputs[0].shape, [2, 7]);
    assert.equal(a.totals.flops, 14, 'Relu: 1 FLOP per element of [2, 7]');
  });

  it('without a declared type, downstream nodes are not costed and say why', () => {
    const g = graph([node('Bar', ['x'], ['h'], {}, 'com.foo'), node('Relu', ['h'], ['y'])], [vi('x', 'float32', [2, 5])], [vi('y', 'float32')]);
    const a = analyzeModel(model(g));
    assert.equal(a.notCosted.length, 2);
    assert.match(a.notCosted[1].reason, /input "h" has an unknown shape/);
  });

  it('propagates symbolic shape values through Shape/Gather/Unsqueeze/Concat/Reshape', () => {
    const g = graph(
      [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'zero'], ['b'], { axis: int(0) }),
        node('Unsqueeze', ['b', 'ax0'], ['b1']),
        node('Concat', ['b1', 'minus1'], ['target'], { axis: int(0) }),
        node('Reshape', ['x', 'target'], ['flat']),
        node('MatMul', ['flat', 'w'], ['y']),
      ],
      [vi('x', 'float32', ['batch', 3, 4, 4])],
      [vi('y', 'float32')],
      [tensor('zero', 'int64', [], [0]), tensor('ax0', 'int64', [1], [0]), tensor('minus1', 'int64', [1], [-1]), tensor('w', 'float32', [48, 10])],
    );
    const free = analyzeModel(model(g));
    assert.deepEqual(free.outputs[0].shape, ['batch', 10]);
    assert.equal(free.totals.macs, '480*batch');
    assert.deepEqual(free.details.freeDims, ['batch']);
    const bound = analyzeModel(model(g), { dims: { batch: 3 } });
    assert.equal(bound.totals.macs, 3 * 480);
    assert.deepEqual(bound.details.freeDims, []);
  });

  it('ConvTranspose: output size and MACs = in_elems * C_out/group * kernel', () => {
    const g = graph(
      [node('ConvTranspose', ['x', 'w', 'b'], ['y'], { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]) })],
      [vi('x', 'float32', [1, 8, 5, 5])],
      [vi('y', 'float32')],
      [tensor('w', 'float32', [8, 4, 3, 3]), tensor('b', 'float32', [4])],
    );
    const a = analyzeModel(model(g));
    // (5-1)*2 + 1 + 3 - 2 = 10, torch.nn.ConvTranspose2d(8, 4, 3, 2, 1, output_padding=1) gives 10.
    assert.deepEqual(a.outputs[0].shape, [1, 4, 10, 10]);
    assert.equal(a.totals.macs, 8 * 25 * 4 * 9);
    assert.equal(a.totals.flops, 2 * 8 * 25 * 4 * 9 + 400, 'plus one bias add per output element');
    assert.equal(a.totals.params, 8 * 4 * 9 + 4);
  });

  it('pooling ceil_mode drops a window that would start in the right padding (torch semantics)', () => {
    const pool = (size: number, k: number, s: number, p: number) => {
      const g = graph(
        [node('MaxPool', ['x'], ['y'], { kernel_shape: ints([k]), strides: ints([s]), pads: ints([p, p]), ceil_mode: int(1) })],
        [vi('x', 'float32', [1, 1, size])],
        [vi('y', 'float32')],
      );
      return analyzeModel(model(g)).outputs[0].shape![2];
    };
    assert.equal(pool(6, 3, 2, 0), 3); // torch.nn.MaxPool1d(3, 2, ceil_mode=True)(x[...,6]) -> 3
    assert.equal(pool(5, 2, 2, 1), 3); // ceil((5+2-2)/2)+1 = 4, but window 4 would start at 6 >= 5+1
    assert.equal(pool(109, 3, 2, 0), 54); // squeezenet1_0 features.2
  });

  it('LSTM: seq * batch * dirs * 4H * (I + H) MACs', () => {
    const H = 16;
    const I = 8;
    const g = graph(
      [node('LSTM', ['x', 'W', 'R', 'B'], ['Y', 'Yh', 'Yc'], { hidden_size: int(H), direction: { kind: 'string', value: 'bidirectional' } })],
      [vi('x', 'float32', ['steps', 3, I])],
      [vi('Y', 'float32')],
      [tensor('W', 'float32', [2, 4 * H, I]), tensor('R', 'float32', [2, 4 * H, H]), tensor('B', 'float32', [2, 8 * H])],
    );
    const a = analyzeModel(model(g), { dims: { steps: 7 } });
    assert.equal(a.totals.macs, 7 * 3 * 2 * 4 * H * (I + H));
    assert.deepEqual(a.outputs[0].shape, [7, 2, 3, H]);
  });

  it('Loop with a constant trip count costs the body that many times', () => {
    const body = graph(
      [node('MatMul', ['h', 'w'], ['h2']), node('Identity', ['c'], ['c2'])],
      [vi('i', 'int64', []), vi('c', 'bool', []), vi('h', 'float32')],
      [vi('c2', 'bool'), vi('h2', 'float32')],
    );
    const loop = node('Loop', ['trips', '', 'h0'], ['hN'], { body: { kind: 'graph', value: body } });
    const g = graph([loop], [vi('h0', 'float32', [1, 32])], [vi('hN', 'float32')], [tensor('trips', 'int64', [], [5]), tensor('w', 'float32', [32, 32])]);
    const a = analyzeModel(model(g));
    assert.equal(a.totals.macs, 5 * 32 * 32);
    assert.deepEqual(a.outputs[0].shape, [1, 32]);
    assert.equal(a.totals.params, 32 * 32, 'an outer initializer used in the body is a parameter');
    assert.deepEqual(a.notCosted, []);
  });

  it('params count each float initializer once; constants and integer tensors are not params', () => {
    const g = graph(
      [
        node('MatMul', ['x', 'w'], ['a']),
        node('MatMul', ['a', 'w'], ['b']),
        node('Constant', [], ['k'], { value: { kind: 'tensor', value: tensor('k', 'float32', [2, 3]) } }),
        node('Reshape', ['b', 'shape'], ['y']),
      ],
      [vi('x', 'float32', [4, 8])],
      [vi('y', 'float32')],
      [tensor('w', 'float32', [8, 8]), tensor('shape', 'int64', [2], [2, 16])],
    );
    const a = analyzeModel(model(g));
    assert.equal(a.totals.params, 64);
    assert.equal(a.layers[0].params, 64);
    assert.equal(a.layers[1].params, 0, 'a shared weight belongs to its first user');
    assert.equal(a.details.constants, 6);
    assert.equal(a.details.nonFloatInitializerElements, 2);
    assert.equal(a.totals.weightBytes, 64 * 4 + 2 * 8);
    assert.deepEqual(a.details.weightBytesByDtype, { float32: 256, int64: 16 });
    assert.deepEqual(a.outputs[0].shape, [2, 16]);
  });

  it('reads no weight bytes: only the small constants a shape computation asks for', () => {
    const touched: string[] = [];
    const spied = (t: ReturnType<typeof tensor>) => {
      const bytes = (t.source as { bytes: Uint8Array }).bytes;
      return { ...t, source: { kind: 'inline' as const, get bytes() { touched.push(t.name); return bytes; } } };
    };
    const g = graph(
      [node('Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: ints([3, 3]) }), node('Add', ['c', 'b2'], ['a']), node('Reshape', ['a', 'shape'], ['y'])],
      [vi('x', 'float32', [1, 3, 8, 8])],
      [vi('y', 'float32')],
      [spied(tensor('w', 'float32', [16, 3, 3, 3])), spied(tensor('b', 'float32', [16])), spied(tensor('b2', 'float32', [16, 1, 1])), spied(tensor('shape', 'int64', [2], [1, -1]))],
    );
    const a = analyzeModel(model(g));
    assert.deepEqual(a.outputs[0].shape, [1, 16 * 36]);
    assert.deepEqual(touched, ['shape']);
  });

  it('peak activation memory follows liveness along the order', () => {
    // x(400 B) -> Relu a(400) -> Relu b(400) -> Add(a, b) -> y(400): while Add runs, a, b and y are live.
    const g = graph(
      [node('Relu', ['x'], ['a']), node('Relu', ['a'], ['b']), node('Add', ['a', 'b'], ['y'])],
      [vi('x', 'float32', [100])],
      [vi('y', 'float32')],
    );
    const a = analyzeModel(model(g));
    assert.equal(a.totals.peakActivationBytes, 1200);
  });

  it('Einsum batched matmul: MACs = product of all index sizes', () => {
    const g = graph(
      [node('Einsum', ['a', 'b'], ['y'], { equation: { kind: 'string', value: 'bij,bjk->bik' } })],
      [vi('a', 'float32', [2, 3, 4]), vi('b', 'float32', [2, 4, 5])],
      [vi('y', 'float32')],
    );
    const a = analyzeModel(model(g));
    assert.deepEqual(a.outputs[0].shape, [2, 3, 5]);
    assert.equal(a.totals.macs, 2 * 3 * 4 * 5);
  });

  it('dispatches by node domain to registered tables (e.g. a Keras table keyed by class name)', () => {
    const table: RuleTable = {
      Doubler: {
        shape: (ctx) => ({ outputs: [{ dtype: 'float32', shape: ctx.inputs[0]!.shape!.map((d) => (typeof d === 'number' ? 2 * d : d)) }] }),
        cost: () => ({ macs: 7, flops: 14 }),
      },
    };
    registerRules('test.domain', table);
    const g = graph([node('Doubler', ['x'], ['y'], {}, 'test.domain')], [vi('x', 'float32', [3])], [vi('y', 'float32')]);
    const a = analyzeModel(model(g));
    assert.deepEqual(a.outputs[0].shape, [6]);
    assert.equal(a.totals.macs, 7);
  });

  it('Range / ConstantOfShape / Expand / Where keep values for masks built from shapes', () => {
    const g = graph(
      [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'one'], ['t'], { axis: int(0) }),
        node('Range', ['zero', 't', 'one'], ['r']),
        node('Unsqueeze', ['t', 'ax0'], ['t1']),
        node('ConstantOfShape', ['t1'], ['ones'], { value: { kind: 'tensor', value: tensor('v', 'float32', [1], [1]) } }),
        node('Mul', ['x', 'half'], ['y']),
      ],
      [vi('x', 'float32', ['batch', 'sequence'])],
      [vi('r', 'int64'), vi('ones', 'float32'), vi('y', 'float32')],
      [tensor('zero', 'int64', [], [0]), tensor('one', 'int64', [], [1]), tensor('ax0', 'int64', [1], [0]), tensor('half', 'float32', [], [0.5])],
    );
    const a = analyzeModel(model(g));
    assert.deepEqual(a.outputs.map((o) => o.shape), [['sequence'], ['sequence'], ['batch', 'sequence']]);
    const b = analyzeModel(model(g), { dims: { batch: 2, sequence: 5 } });
    assert.deepEqual(b.outputs.map((o) => o.shape), [[5], [5], [2, 5]]);
    assert.equal(b.totals.flops, 10, 'Mul: one FLOP per element');
  });
});
