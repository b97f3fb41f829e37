import assert from 'node:assert/strict';
import path from 'node:path';
import { runBenchInWorker, runCompareInWorker } from '../../../src/core/runtime';
import type { BenchProgress } from '../../../src/core/runtime/types';
import { copyModel, SHARED_ONNX, TEST_DEVICE, tmpDir } from './helpers';

describe('runtime: worker thread', function () {
  this.timeout(120_000);
  const file = path.join(SHARED_ONNX, 'mobilenet_v3_small.onnx');

  it('benchmarks off the caller\'s thread with progress messages', async () => {
    const progress: BenchProgress[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const r = await runBenchInWorker(file, { runs: 3, warmup: 1, roofline: TEST_DEVICE, onProgress: (p) => progress.push(p) });
      assert.equal(r.latency.runsMs.length, 3);
      assert.ok(r.perNode!.nodes.length > 0);
    } finally {
      clearInterval(timer);
    }
    assert.ok(progress.some((p) => p.phase === 'run' && p.total === 3));
    assert.ok(ticks > 0, 'the caller\'s event loop kept running');
  });

  it('cancel rejects at once with AbortError; the worker stops between runs without taking the process down', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const p = runBenchInWorker(file, { runs: 10_000, warmup: 0, perNode: false, roofline: false, signal: ac.signal, onProgress: (x) => x.phase === 'run' && x.done === 2 && ac.abort() });
    await assert.rejects(p, (e: Error) => e.name === 'AbortError');
    assert.ok(Date.now() - started < 60_000);
    // Let the worker reach its next check and exit while this process is still under test: a
    // thread torn down inside a native run would abort the whole test process here.
    await new Promise((r) => setTimeout(r, 1500));
  });

  it('a model error in the worker arrives as a one-line ModelError', async () => {
    await assert.rejects(runBenchInWorker(path.join(SHARED_ONNX, 'tiny_bert_dynamic.onnx'), { runs: 1, roofline: false }), (e: Error) => e.name === 'ModelError' && /unbound input dims: batch, sequence/.test(e.message));
  });

  it('compares in the worker too', async () => {
    const c = await runCompareInWorker(file, copyModel(file, tmpDir('wcopy')), { runs: 2, warmup: 1, perNode: false, roofline: false });
    assert.equal(c.outputs[0].maxAbs, 0);
  });
});
