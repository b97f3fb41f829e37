import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main';

const root = path.resolve(__dirname, '../../..');
const onnxDir = path.resolve(root, '../shared/models/onnx');
const bin = path.join(root, 'bin', 'modellens.js');

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('modellens CLI', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'modellens-cli-'));

  it('analyze --json prints exactly the documented shape', async () => {
    const file = path.join(onnxDir, 'squeezenet1_0.onnx');
    const r = await run(['analyze', file, '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(Object.keys(j), ['format', 'file', 'inputs', 'outputs', 'totals', 'layers', 'notCosted']);
    assert.deepEqual(Object.keys(j.totals), ['params', 'macs', 'flops', 'weightBytes', 'peakActivationBytes']);
    assert.equal(j.format, 'onnx');
    assert.equal(j.file, file);
    assert.deepEqual(j.inputs, [{ name: 'input', dtype: 'float32', shape: [1, 3, 224, 224] }]);
    for (const l of j.layers) assert.deepEqual(Object.keys(l), ['name', 'type', 'params', 'macs', 'flops', 'outputs']);
    const manifest = JSON.parse(readFileSync(path.join(onnxDir, 'onnx_manifest.json'), 'utf8'));
    const ref = manifest.models.find((m: { file: string }) => m.file === 'squeezenet1_0.onnx');
    assert.equal(j.totals.params, ref.onnx.params_onnx);
  });

  it('--dim binds symbolic dims; unbound dims stay symbols in the JSON', async () => {
    const file = path.join(onnxDir, 'tiny_bert_dynamic.onnx');
    const free = JSON.parse((await run(['analyze', file, '--json'])).out);
    assert.deepEqual(free.inputs[0].shape, ['batch', 'sequence']);
    assert.equal(typeof free.totals.macs, 'string', 'MACs depend on batch and sequence');
    const bound = JSON.parse((await run(['analyze', file, '--json', '--dim', 'batch=1', '--dim', 'sequence=128'])).out);
    assert.deepEqual(bound.inputs[0].shape, [1, 128]);
    assert.equal(typeof bound.totals.macs, 'number');
  });

  it('text output is a table with totals; --sort/--top limit the rows', async () => {
    const r = await run(['analyze', path.join(onnxDir, 'squeezenet1_0.onnx'), '--sort', 'macs', '--top', '3']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Params:\s+1,248,424/);
    assert.match(r.out, /more layers; --top 3 by macs/);
    const body = r.out.split('\n').filter((l) => /^\S+\s+Conv\b/.test(l));
    assert.equal(body.length, 3);
  });

  it('exit 2 on bad usage', async () => {
    for (const argv of [[], ['frobnicate'], ['analyze'], ['analyze', 'a', 'b'], ['analyze', 'x.onnx', '--dim', 'batch'], ['analyze', 'x.onnx', '--sort', 'size'], ['analyze', 'x.onnx', '--top', '0'], ['analyze', 'x.onnx', '--bogus']]) {
      const r = await run(argv);
      assert.equal(r.code, 2, `argv ${JSON.stringify(argv)}`);
      assert.match(r.err, /^error: /);
    }
  });

  it('exit 1 with one line "error: FILE: reason" for unreadable files', async () => {
    const notOnnx = path.join(tmp, 'notes.onnx');
    writeFileSync(notOnnx, 'these are not the weights you are looking for\n'.repeat(20));
    const full = readFileSync(path.join(onnxDir, 'squeezenet1_0.onnx'));
    const truncated = path.join(tmp, 'truncated.onnx');
    writeFileSync(truncated, full.subarray(0, Math.floor(full.length / 3)));
    const missing = path.join(tmp, 'missing.onnx');
    for (const f of [notOnnx, truncated, missing]) {
      const r = await run(['analyze', f]);
      assert.equal(r.code, 1, `${f}: ${r.out}`);
      assert.equal(r.err.split('\n').length, 1, r.err);
      assert.ok(r.err.startsWith(`error: ${f}: `), r.err);
      assert.doesNotMatch(r.err, /\bat .*\(.*:\d+:\d+\)/, 'no stack trace');
    }
  });

  it('the installed bin runs as a process with the same exit codes', function () {
    this.timeout(120000);
    const ok = spawnSync(process.execPath, [bin, 'analyze', path.join(onnxDir, 'conv1d_audio.onnx'), '--json'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).format, 'onnx');
    const bad = spawnSync(process.execPath, [bin, 'analyze', path.join(tmp, 'nope.onnx')], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    const usage = spawnSync(process.execPath, [bin, 'analyze'], { encoding: 'utf8' });
    assert.equal(usage.status, 2);
  });
});
