import assert from 'node:assert/strict';
import path from 'node:path';
import { sym, dimMul } from '../../../src/core/ir/dim';
import { loadModel } from '../../../src/core/formats';
import { indexBounds, randomInputs, resolveInputShapes } from '../../../src/core/runtime/inputs';
import { SHARED_ONNX } from './helpers';

describe('runtime: inputs', () => {
  it('binds symbolic dims from the caller and lists every unbound one in one error', () => {
    const inputs = [
      { name: 'ids', dtype: 'int64', shape: [sym('batch'), sym('sequence')] },
      { name: 'mask', dtype: 'int64', shape: [sym('batch'), dimMul(2, sym('sequence'))] },
    ];
    assert.deepEqual(resolveInputShapes(inputs, { batch: 2, sequence: 8 }).map((s) => s.shape), [[2, 8], [2, 16]]);
    assert.throws(() => resolveInputShapes(inputs, {}), (e: Error) => /unbound input dims: batch, sequence/.test(e.message) && !e.message.includes('\n'));
    assert.throws(() => resolveInputShapes(inputs, { batch: 1 }), /unbound input dims: sequence \(/);
  });

  it('random inputs are reproducible for a seed and differ across seeds', () => {
    const specs = [{ name: 'x', dtype: 'float32', shape: [4, 4] }];
    const a = randomInputs(specs, 1)[0].data as Float32Array;
    const b = randomInputs(specs, 1)[0].data as Float32Array;
    const c = randomInputs(specs, 2)[0].data as Float32Array;
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.ok(a.every((v) => v >= -1 && v < 1));
  });

  it('integer inputs that index an embedding stay below its row count', async () => {
    const m = await loadModel(path.join(SHARED_ONNX, 'tiny_bert_dynamic.onnx'));
    const bounds = indexBounds(m.graph);
    const rows = bounds.get('input_ids');
    assert.ok(rows && rows > 2, 'input_ids gathers from an embedding table');
    // The table is the initializer gathered by input_ids; its first dim is the vocabulary size.
    const gather = m.graph.nodes.find((n) => n.opType === 'Gather' && n.inputs[1] === 'input_ids')!;
    assert.equal(rows, m.graph.initializers.get(gather.inputs[0])!.dims[0]);
    const [ids] = randomInputs(resolveInputShapes(m.graph.inputs, { batch: 2, sequence: 64 }), 3, bounds);
    assert.ok([...(ids.data as BigInt64Array)].every((v) => v >= 0n && v < BigInt(rows)));
  });
});
