import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { loadModel } from '../../../src/core/formats';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');

const root = path.resolve(__dirname, '../../..');
const onnxDir = path.resolve(root, '../shared/models/onnx');
const bin = path.join(root, 'bin', 'modellens.js');

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The sources, not a possibly stale dist/cli.js. */
function spawnCli(argv: string[]) {
  return spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', env: { ...process.env, MODELLENS_FROM_SOURCE: '1' }, timeout: 120_000 });
}

async function totals(file: string) {
  return analyzeModel(await loadModel(file)).totals;
}

describe('modellens suggest / optimize / bench-model', function () {
  this.timeout(180_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'modellens-cli-passes-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const lstm = path.join(onnxDir, 'lstm_classifier.onnx');

  it('suggest --json lists ranked suggestions with deltas; text is a table', async () => {
    const r = await run(['suggest', lstm, '--json']);
    assert.equal(r.code, 0, r.err);
    const list = JSON.parse(r.out);
    assert.ok(Array.isArray(list) && list.length > 0);
    for (const s of list) {
      assert.equal(typeof s.pass, 'string');
      assert.ok(Array.isArray(s.layers) && s.layers.length > 0);
      assert.equal(typeof s.delta.params, 'number');
      assert.equal(typeof s.delta.weightBytes, 'number');
    }
    assert.ok(list.some((s: { pass: string }) => s.pass === 'cleanup'));
    const t = await run(['suggest', lstm]);
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /Pass\s+Layers\s+Kind\s+Δparams\s+ΔMACs\s+Δweight bytes\s+Error/);
    assert.match(t.out, /\bcleanup\b/);
  });

  it('optimize --pass cleanup writes a file whose analysis differs by the suggested delta, and ORT loads it', async () => {
    const sug = JSON.parse((await run(['suggest', lstm, '--json'])).out).find((s: { pass: string }) => s.pass === 'cleanup');
    const out = path.join(tmp, 'lstm.cleanup.onnx');
    const r = await run(['optimize', lstm, '--pass', 'cleanup', '--out', out, '--json']);
    assert.equal(r.code, 0, r.err);
    const res = JSON.parse(r.out);
    assert.ok(existsSync(out));
    const [a, b] = [await totals(lstm), await totals(out)];
    const measured = { params: b.params - a.params, macs: (b.macs as number) - (a.macs as number), weightBytes: b.weightBytes - a.weightBytes };
    assert.deepEqual(measured, sug.delta, 'analysis(out) - analysis(in) == suggestion delta');
    assert.deepEqual(res.delta, sug.delta);
    assert.ok(sug.delta.weightBytes !== 0 || sug.delta.params !== 0, 'the pass changes something');
    const sess = await ort.InferenceSession.create(out, { logSeverityLevel: 3 });
    assert.ok(sess.inputNames.length > 0 && sess.outputNames.length > 0);
    await sess.release();
  });

  it('optimize --pass low-rank --rank K on one layer (spawned bin): delta matches re-analysis; ORT runs it', async () => {
    const src = path.join(onnxDir, 'squeezenet1_0.onnx');
    const layer = '/classifier/classifier.1/Conv';
    const out = path.join(tmp, 'sq.lowrank.onnx');
    const p = spawnCli(['optimize', src, '--pass', 'low-rank', '--rank', '8', '--layers', layer, '--out', out, '--json']);
    assert.equal(p.status, 0, p.stderr);
    const res = JSON.parse(p.stdout);
    assert.deepEqual(res.layers, [layer]);
    assert.equal(res.knobs.rank, 8);
    const [a, b] = [await totals(src), await totals(out)];
    assert.equal(b.params - a.params, res.delta.params);
    assert.equal((b.macs as number) - (a.macs as number), res.delta.macs);
    assert.ok(res.delta.params < 0);
    const sess = await ort.InferenceSession.create(out, { logSeverityLevel: 3 });
    const x = new ort.Tensor('float32', new Float32Array(3 * 224 * 224).fill(0.5), [1, 3, 224, 224]);
    const y = await sess.run({ [sess.inputNames[0]]: x });
    assert.equal((Object.values(y)[0].data as Float32Array).length, 1000);
    await sess.release();
  });

  it('optimize refuses bad usage with exit 2 and never writes over the input', async () => {
    const copy = path.join(tmp, 'copy.onnx');
    copyFileSync(lstm, copy);
    const before = statSync(copy).mtimeMs;
    const cases = [
      ['optimize', copy, '--pass', 'frobnicate', '--out', path.join(tmp, 'x.onnx')],
      ['optimize', copy, '--out', path.join(tmp, 'x.onnx')],
      ['optimize', copy, '--pass', 'cleanup'],
      ['optimize', copy, '--pass', 'low-rank', '--rank', 'abc', '--out', path.join(tmp, 'x.onnx')],
      ['optimize', copy, '--pass', 'channel-prune', '--ratio', '', '--out', path.join(tmp, 'x.onnx')],
      ['optimize', copy, '--pass', 'cleanup', '--out', copy],
      ['optimize', copy, '--pass', 'cleanup', '--out', path.join(tmp, '.', 'copy.onnx')],
      ['suggest'],
      ['suggest', copy, '--bogus'],
      ['bench-model'],
      ['bench-model', copy, '--runs', '0'],
    ];
    for (const argv of cases) {
      const r = await run(argv);
      assert.equal(r.code, 2, `argv ${JSON.stringify(argv)}: ${r.err}`);
      assert.match(r.err, /^error: .*\nusage: modellens/);
    }
    assert.equal(statSync(copy).mtimeMs, before);
    assert.deepEqual(readFileSync(copy), readFileSync(lstm));
    assert.equal(existsSync(path.join(tmp, 'x.onnx')), false);
  });

  it('exit 1 with one line "error: FILE: reason" for unreadable files', async () => {
    const missing = path.join(tmp, 'nope.onnx');
    for (const argv of [['suggest', missing, '--json'], ['optimize', missing, '--pass', 'cleanup', '--out', path.join(tmp, 'o.onnx')], ['bench-model', missing, '--runs', '1']]) {
      const r = await run(argv);
      assert.equal(r.code, 1, `${argv[0]}: ${r.err}`);
      assert.equal(r.err.split('\n').length, 1, r.err);
      assert.ok(r.err.startsWith(`error: ${missing}: `), r.err);
    }
  });

  it('bench-model --runs 3 --json (spawned bin): 3 runs, p90 >= median', () => {
    const p = spawnCli(['bench-model', path.join(onnxDir, 'conv1d_audio.onnx'), '--runs', '3', '--warmup', '1', '--no-estimate', '--json']);
    assert.equal(p.status, 0, p.stderr);
    const r = JSON.parse(p.stdout);
    assert.equal(r.format, 'onnx');
    assert.equal(r.latency.runsMs.length, 3);
    for (const ms of r.latency.runsMs) assert.ok(ms > 0);
    assert.ok(r.latency.p90Ms >= r.latency.medianMs, `p90 ${r.latency.p90Ms} < median ${r.latency.medianMs}`);
    const t = spawnCli(['bench-model', path.join(onnxDir, 'conv1d_audio.onnx'), '--runs', '2', '--warmup', '0', '--no-estimate']);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /median/i);
  });
});
