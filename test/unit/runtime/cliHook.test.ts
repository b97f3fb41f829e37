import assert from 'node:assert/strict';
import path from 'node:path';
import { BenchArgsError, parseBenchModelArgs, runBenchModelCommand } from '../../../src/core/runtime';
import { SHARED_ONNX, tmpDir } from './helpers';

describe('runtime: bench-model CLI hook', function () {
  this.timeout(120_000);

  it('parses FILE, --runs, repeated --dim and --json; refuses bad values as usage errors', () => {
    const a = parseBenchModelArgs(['m.onnx', '--runs', '7', '--dim', 'batch=2', '--dim', 'sequence=64', '--json']);
    assert.equal(a.file, 'm.onnx');
    assert.equal(a.runs, 7);
    assert.deepEqual(a.dims, { batch: 2, sequence: 64 });
    assert.equal(a.json, true);
    assert.equal(parseBenchModelArgs(['m.onnx']).runs, 20);
    assert.throws(() => parseBenchModelArgs(['m.onnx', '--runs', '0']), BenchArgsError);
    assert.throws(() => parseBenchModelArgs(['m.onnx', '--dim', 'batch']), BenchArgsError);
    assert.throws(() => parseBenchModelArgs([]), BenchArgsError);
    assert.throws(() => parseBenchModelArgs(['m.onnx', '--bogus']), BenchArgsError);
  });

  it('--json prints the documented BenchResult; text names runtime, latency and estimate', async () => {
    const file = path.join(SHARED_ONNX, 'squeezenet1_0.onnx');
    const profileCache = path.join(tmpDir('cli'), 'p.json');
    const out = await runBenchModelCommand(parseBenchModelArgs([file, '--runs', '2', '--warmup', '1', '--json']), { profileCache });
    const j = JSON.parse(out);
    for (const k of ['file', 'format', 'runtime', 'backend', 'inputs', 'latency', 'memory', 'perNode', 'roofline', 'fileBytes', 'warnings']) assert.ok(k in j, k);
    assert.equal(j.latency.runsMs.length, 2);
    assert.ok(j.roofline.device.macsPerSecond > 0 && j.roofline.estimatedMs > 0);
    const text = await runBenchModelCommand(parseBenchModelArgs([file, '--runs', '2', '--warmup', '0', '--no-per-node']), { profileCache });
    assert.match(text, /runtime\s+onnxruntime-node \(cpu\)/);
    assert.match(text, /latency\s+median [\d.]+ ms, p90 [\d.]+ ms/);
    assert.match(text, /estimate\s+[\d.]+ ms roofline/);
  });
});
