import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { loadModel } from '../../../src/core/formats';
import { sharedFile } from '../keras/helpers';
import { loadTfjsModel, predict, randomInputs, writeTfjsModel } from '../keras/tfjsFiles';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('modellens suggest/optimize --help and optimize on Keras (issue 14, defect 7)', function () {
  this.timeout(300_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'modellens-cli-keras-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const cmd of ['suggest', 'optimize', 'analyze', 'bench-model']) {
    it(`${cmd} --help: exit 0 with that command's usage`, async () => {
      for (const flag of ['--help', '-h']) {
        const r = await run([cmd, flag]);
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, new RegExp(`^usage: modellens ${cmd} `));
        assert.equal(r.err, '');
      }
    });
  }

  it('optimize on a tfjs model.json with shards (bn-fold): writes OUT + its shard; same outputs in TensorFlow.js; delta = the files\' difference', async () => {
    const dirIn = mkdtempSync(path.join(tmp, 'in-'));
    const dirOut = mkdtempSync(path.join(tmp, 'out-'));
    const file = writeTfjsModel(sharedFile('tfjsl_teachablemachine_mobilenetv2_nested.json'), dirIn);
    const out = path.join(dirOut, 'folded.json');
    const r = await run(['optimize', file, '--pass', 'bn-fold', '--out', out, '--json']);
    assert.equal(r.code, 0, r.err);
    const res = JSON.parse(r.out);
    assert.ok(readdirSync(dirOut).some((f) => f.endsWith('.bin')), 'no shard beside OUT');
    const before = analyzeModel(await loadModel(file)).totals;
    const after = analyzeModel(await loadModel(out)).totals;
    assert.equal(res.delta.params, after.params - before.params);
    assert.ok(res.delta.params < 0);
    const a = await loadTfjsModel(file);
    const b = await loadTfjsModel(out);
    const x = randomInputs(a, 1, 5);
    const ya = predict(a, x)[0];
    const yb = predict(b, x)[0];
    let d = 0;
    let m = 0;
    for (let i = 0; i < ya.length; i++) {
      d = Math.max(d, Math.abs(ya[i] - yb[i]));
      m = Math.max(m, Math.abs(ya[i]));
    }
    assert.ok(d / m < 1e-3, `bn-fold output max rel. diff ${d / m}`);
  });

  it('optimize on a Keras JSON without weights: cluster says what it needs (exit 1, one line); low-rank edits the JSON (Dense(r) + Dense)', async () => {
    const f = sharedFile('k3_advml_convnext.json');
    const r = await run(['optimize', f, '--pass', 'cluster', '--out', path.join(tmp, 'c.json')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /needs the weights/);
    assert.equal(r.err.split('\n').length, 1);
    const out = path.join(tmp, 'lr.json');
    const lr = await run(['optimize', f, '--pass', 'low-rank', '--rank', '8', '--json', '--out', out]);
    assert.equal(lr.code, 0, lr.err);
    const res = JSON.parse(lr.out);
    const before = analyzeModel(await loadModel(f)).totals;
    const after = analyzeModel(await loadModel(out)).totals;
    assert.equal(res.delta.params, after.params - before.params);
    assert.ok(res.delta.params < 0);
    // The JSON writer names the new rank-r layer <name>_lr_u.
    assert.equal((await loadModel(out)).graph.nodes.filter((n) => n.opType === 'Dense' && /_lr_u$/.test(n.id)).length, res.layers.length);
  });
});
