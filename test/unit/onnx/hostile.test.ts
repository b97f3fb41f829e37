// Regression tests for the ONNX crashes `npm run fuzz -- --cases 10000 --seed 1` found (cases 3418
// dup-output, 8427 cycle, 9544 init-dims): each minimal hostile graph ends in a clean analysis whose
// every dim is defined, or in a one-line ModelError naming the problem.
import assert from 'node:assert/strict';
import path from 'node:path';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import type { Analysis } from '../../../src/core/analysis/types';
import { isModelError } from '../../../src/core/errors';
import { readOnnx } from '../../../src/core/formats/onnx/reader';
import { onnx } from '../../../src/core/formats/onnx/schema/onnx';
import { floatBytes, tmpDir, writeModel } from './helpers';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const vi = (name: string, elem: number, dims: number[]): onnx.ValueInfoProto.$Properties => ({
  name, type: { tensor_type: { elem_type: elem, shape: { dim: dims.map((d) => ({ dim_value: d })) } } },
});
const int64s = (name: string, dims: number[], values: number[]): onnx.TensorProto.$Properties => ({
  name, data_type: INT64, dims, raw_data: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer),
});
const dir = tmpDir('hostile');
let k = 0;

async function load(g: onnx.GraphProto.$Properties) {
  return readOnnx(writeModel(path.join(dir, `m${k++}.onnx`), { ir_version: 8, opset_import: [{ domain: '', version: 13 }], graph: { name: 'g', ...g } }));
}

function oneLineError(re: RegExp) {
  return (e: unknown) => {
    assert.ok(isModelError(e), `expected a ModelError, got ${(e as Error)?.stack ?? e}`);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  };
}

/** Every dim anywhere in the analysis is a number or an expression (what dimJson crashed on). */
function assertDimsDefined(a: Analysis): void {
  const all = [...a.inputs, ...a.outputs, ...a.layers.flatMap((l) => [...l.inputs, ...l.outputs])];
  for (const t of all) for (const d of t.shape ?? []) assert.ok(typeof d === 'number' || typeof d === 'string', `${t.name}: dim ${String(d)}`);
  assert.doesNotThrow(() => JSON.stringify(a));
}

describe('onnx: hostile graphs found by the fuzzer', () => {
  it('duplicate output names (case 3418): a one-line ModelError naming the value and both nodes', async () => {
    const g = {
      node: [
        { op_type: 'Relu', input: ['x'], output: ['y'], name: 'first' },
        { op_type: 'Neg', input: ['x'], output: ['y'], name: 'second' },
      ],
      input: [vi('x', FLOAT, [2])],
      output: [vi('y', FLOAT, [2])],
    };
    await assert.rejects(load(g), oneLineError(/value "y" is the output of two nodes in main graph \("first" and "second"\)/));
  });

  it('a name twice among one node\'s outputs: a one-line ModelError', async () => {
    const g = { node: [{ op_type: 'Split', input: ['x'], output: ['y', 'y'], name: 's' }], input: [vi('x', FLOAT, [2])], output: [vi('y', FLOAT, [1])] };
    await assert.rejects(load(g), oneLineError(/value "y" is listed twice among the outputs of node "s"/));
  });

  it('a cycle: a one-line ModelError naming a node on it', async () => {
    const m = await load({
      node: [
        { op_type: 'Add', input: ['x', 'b'], output: ['a'], name: 'add' },
        { op_type: 'Relu', input: ['a'], output: ['b'], name: 'relu' },
      ],
      input: [vi('x', FLOAT, [2])],
      output: [vi('b', FLOAT, [2])],
    });
    assert.throws(() => analyzeModel(m), oneLineError(/the graph has a cycle through node "(add|relu)"/));
  });

  // Case 8427's rewired input (and 3418's second producer) left a Shape of a rank-1 tensor feeding
  // Gather(index 1): the out-of-range index became an undefined dim in Expand's output.
  it('Gather past the end of a shape (case 8427): analysed, the Gather reported, no undefined dim', async () => {
    const m = await load({
      node: [
        { op_type: 'Shape', input: ['x'], output: ['s'], name: 'shape' },
        { op_type: 'Gather', input: ['s', 'one'], output: ['n'], name: 'gather' },
        { op_type: 'Unsqueeze', input: ['n', 'zero'], output: ['n1'], name: 'unsq' },
        { op_type: 'Concat', input: ['two', 'n1'], output: ['shape2'], name: 'concat', attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
        { op_type: 'Expand', input: ['x', 'shape2'], output: ['y'], name: 'expand' },
      ],
      initializer: [int64s('one', [], [1]), int64s('zero', [1], [0]), int64s('two', [1], [2])],
      input: [vi('x', FLOAT, [3])],
      output: [{ name: 'y', type: { tensor_type: { elem_type: FLOAT } } }],
    });
    const a = analyzeModel(m);
    assertDimsDefined(a);
    const nc = a.notCosted.find((n) => n.name === 'gather');
    assert.ok(nc, JSON.stringify(a.notCosted));
    assert.match(nc.reason, /Gather index 1 is out of range for axis 0 of size 1/);
    // The failed node's output has no type, but it is produced: no "produced by no node" warning.
    assert.deepEqual(a.details.warnings.filter((w) => /produced by no node/.test(w)), []);
  });

  it('a Conv weight initializer with dims [] (case 9544): analysed, the Conv reported, declared shapes kept', async () => {
    const m = await load({
      node: [
        { op_type: 'Conv', input: ['x', 'w'], output: ['c'], name: 'conv' },
        { op_type: 'Relu', input: ['c'], output: ['y'], name: 'relu' },
      ],
      initializer: [{ name: 'w', data_type: FLOAT, dims: [], raw_data: floatBytes([1]) }],
      input: [vi('x', FLOAT, [1, 3, 8, 8])],
      output: [vi('y', FLOAT, [1, 4, 8, 8])],
    });
    const a = analyzeModel(m);
    assertDimsDefined(a);
    assert.match(a.notCosted.find((n) => n.name === 'conv')?.reason ?? '', /weight has rank 0, the input has rank 4/);
    assert.deepEqual(a.outputs[0].shape, [1, 4, 8, 8]);
  });

  // The other dims the init-dims mutation writes: each is refused by the reader with a one-line reason.
  const badDims: [string, number[], RegExp][] = [
    ['huge', [2 ** 31, 2 ** 32 + 1], /absurd dims .*element count overflows/],
    ['negative', [-3, 4], /invalid dimension -3/],
    ['rank 70', new Array(70).fill(2), /rank 70, over the limit of 64/],
  ];
  for (const [what, dims, re] of badDims) {
    it(`an initializer with ${what} dims: a one-line ModelError`, async () => {
      const g = {
        node: [{ op_type: 'Conv', input: ['x', 'w'], output: ['y'], name: 'conv' }],
        initializer: [{ name: 'w', data_type: FLOAT, dims, raw_data: floatBytes([1, 2, 3, 4]) }],
        input: [vi('x', FLOAT, [1, 3, 8, 8])],
        output: [vi('y', FLOAT, [1, 4, 8, 8])],
      };
      await assert.rejects(load(g), oneLineError(re));
    });
  }
});
