import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { onnx } from '../../../src/core/formats/onnx/schema/onnx';
import { loadModel } from '../../../src/core/formats';
import { benchModel, compareModels } from '../../../src/core/runtime';
import type { BenchResult } from '../../../src/core/runtime/types';
import { copyModel, ortOptimizedCopy, SHARED_ONNX, TEST_DEVICE, tmpDir } from './helpers';

const RUNS = 4;

function assertSane(r: BenchResult, runs: number): void {
  assert.equal(r.latency.runsMs.length, runs, 'one time per timed run');
  assert.ok(r.latency.runsMs.every((t) => Number.isFinite(t) && t > 0), 'every run took positive time');
  assert.ok(r.latency.medianMs > 0);
  assert.ok(r.latency.p90Ms >= r.latency.medianMs, 'p90 ≥ median');
  assert.ok(r.latency.minMs <= r.latency.medianMs && r.latency.medianMs <= r.latency.maxMs);
  assert.ok(r.fileBytes > 0 && r.loadMs > 0);
  assert.ok(r.memory.rssBeforeBytes > 0 && r.memory.rssPeakDeltaBytes >= 0);
}

/** Every per-node time names a node of the model's graph; the rest are runtime-inserted kernels. */
async function assertNodesExist(file: string, r: BenchResult): Promise<void> {
  const ids = new Set((await loadModel(file)).graph.nodes.map((n) => n.id));
  const p = r.perNode!;
  assert.ok(p.nodes.length > 0, 'some node times');
  for (const n of p.nodes) {
    assert.ok(ids.has(n.id), `measured node ${n.id} exists in the graph`);
    assert.ok(n.ms >= 0 && n.kernels.length > 0);
    for (const f of n.fused ?? []) assert.ok(ids.has(f), `fused node ${f} exists in the graph`);
  }
  for (const id of p.noKernel) assert.ok(ids.has(id));
  // ORT's NCHWc layout conversions are the only kernels with no graph node in these CNNs.
  for (const u of p.unmapped) assert.match(u.opType, /^Reorder(Input|Output)$/, `unmapped kernel ${u.kernel}`);
  assert.ok(p.kernelTotalMs > 0);
}

describe('runtime: ONNX bench path (onnxruntime-node, CPU)', function () {
  this.timeout(180_000);

  for (const name of ['squeezenet1_0.onnx', 'mobilenet_v3_small.onnx']) {
    it(`${name}: sane figures, N runs, per-node times on existing nodes`, async () => {
      const file = path.join(SHARED_ONNX, name);
      const phases = new Set<string>();
      const r = await benchModel(file, { runs: RUNS, warmup: 1, roofline: TEST_DEVICE, onProgress: (p) => phases.add(p.phase) });
      assertSane(r, RUNS);
      assert.equal(r.runtime, 'onnxruntime-node');
      assert.equal(r.backend, 'cpu');
      assert.deepEqual(r.inputs, [{ name: 'input', dtype: 'float32', shape: [1, 3, 224, 224] }]);
      assert.ok(r.memory.ortArenaPeakBytes! > 0);
      await assertNodesExist(file, r);
      for (const ph of ['load', 'warmup', 'run', 'profile']) assert.ok(phases.has(ph), `progress phase ${ph}`);
      // Roofline with 1e10 MAC/s and 1e10 B/s: the total is at least MACs / 1e10 s (manifest MACs).
      const macs = name.startsWith('squeezenet') ? 818_924_576 : 56_510_400;
      assert.ok(r.roofline!.estimatedMs >= (macs / 1e10) * 1000, 'estimate ≥ compute bound of the total MACs');
      assert.equal(r.roofline!.relativeError, (r.roofline!.estimatedMs - r.latency.medianMs) / r.latency.medianMs);
    });
  }

  it('a file against its own copy: identical outputs (max abs 0) on the same seeded inputs', async () => {
    const src = path.join(SHARED_ONNX, 'squeezenet1_0.onnx');
    const copy = copyModel(src, tmpDir('copy'));
    const c = await compareModels(src, copy, { runs: 2, warmup: 1, perNode: false, roofline: false });
    assertSane(c.before, 2);
    assertSane(c.after, 2);
    assert.equal(c.outputs.length, 1);
    assert.equal(c.outputs[0].maxAbs, 0);
    assert.equal(c.outputs[0].relL2, 0);
    assert.equal(c.sizeBefore, c.sizeAfter);
    assert.equal(c.speedup, c.before.latency.medianMs / c.after.latency.medianMs);
  });

  it('a compressed copy (ORT basic-level rewrite) runs through the bench path; outputs stay close', async () => {
    // ShuffleNet's channel shuffles compute shapes at run time (Shape/Gather/Concat); the rewrite
    // folds them to constants, so the compressed graph has far fewer nodes.
    const src = path.join(SHARED_ONNX, 'shufflenet_v2_x1_0.onnx');
    const small = await ortOptimizedCopy(src, tmpDir('opt'));
    const c = await compareModels(src, small, { runs: RUNS, warmup: 1, roofline: TEST_DEVICE });
    assertSane(c.after, RUNS);
    await assertNodesExist(small, c.after);
    // Constant folding and fusions reorder float sums at most: differences at float32 rounding level.
    assert.ok(c.outputs[0].relL2 < 1e-4, `relative L2 ${c.outputs[0].relL2}`);
    assert.ok(c.outputs[0].maxAbs < 1e-3, `max abs ${c.outputs[0].maxAbs}`);
    assert.ok((await loadModel(small)).graph.nodes.length < (await loadModel(src)).graph.nodes.length, 'the rewrite removed nodes');
  });

  it('symbolic dims: bound from opts.dims, else one error listing them', async () => {
    const file = path.join(SHARED_ONNX, 'tiny_bert_dynamic.onnx');
    await assert.rejects(benchModel(file, { runs: 1, perNode: false, roofline: false }), /unbound input dims: batch, sequence/);
    const r = await benchModel(file, { runs: 2, warmup: 1, dims: { batch: 2, sequence: 16 }, roofline: false });
    assert.deepEqual(r.inputs[0].shape, [2, 16]);
    assertSane(r, 2);
    const ids = new Set((await loadModel(file)).graph.nodes.map((n) => n.id));
    for (const n of r.perNode!.nodes) assert.ok(ids.has(n.id), n.id);
  });

  it('a model ONNX Runtime cannot load fails with one line carrying ORT\'s reason', async () => {
    const file = path.join(tmpDir('bad'), 'bad.onnx');
    const vi = (name: string) => ({ name, type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 4 }] } } } });
    writeFileSync(
      file,
      onnx.ModelProto.encode({
        ir_version: 8,
        opset_import: [{ domain: '', version: 17 }],
        graph: { name: 'g', node: [{ op_type: 'NoSuchOperator', input: ['x'], output: ['y'], name: 'n' }], input: [vi('x')], output: [vi('y')] },
      }).finish(),
    );
    await assert.rejects(benchModel(file, { runs: 1, perNode: false, roofline: false }), (e: Error) => {
      assert.equal(e.name, 'ModelError');
      assert.ok(!e.message.includes('\n'), 'one line');
      assert.match(e.message, /^ONNX Runtime cannot load the model: /);
      assert.match(e.message, /NoSuchOperator/, 'ORT names the unknown op');
      return true;
    });
  });

  it('a model that loads but fails while running gives one line with ORT\'s reason', async () => {
    // y = x + z with x: [a], z: [b] symbolic: it loads, and binding a=3, b=2 makes the Add kernel
    // refuse to broadcast at run time.
    const file = path.join(tmpDir('badrun'), 'add.onnx');
    const vi = (name: string, dim: string) => ({ name, type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: dim }] } } } });
    writeFileSync(
      file,
      onnx.ModelProto.encode({
        ir_version: 8,
        opset_import: [{ domain: '', version: 17 }],
        graph: { name: 'g', node: [{ op_type: 'Add', input: ['x', 'z'], output: ['y'], name: 'add' }], input: [vi('x', 'a'), vi('z', 'b')], output: [vi('y', 'c')] },
      }).finish(),
    );
    await assert.rejects(benchModel(file, { runs: 1, dims: { a: 3, b: 2 }, perNode: false, roofline: false }), (e: Error) => {
      assert.equal(e.name, 'ModelError');
      assert.ok(!e.message.includes('\n'), 'one line');
      assert.match(e.message, /^ONNX Runtime cannot run the model: .*broadcast/i);
      return true;
    });
  });
});
