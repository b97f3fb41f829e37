// `modellens analyze FILE --json` on every shared Keras file: "format": "keras" with the same JSON
// shape as ONNX, or a one-line error saying why.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { KERAS_DIR } from './helpers';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Files that hold no architecture: the expected error. */
const ERRORS: Record<string, RegExp> = {
  'k2_algodm_vae_subclassed_keras_archive_config.json': /subclassed model saved without an architecture/,
};

describe('keras: CLI analyze --json on the shared Keras files', function () {
  this.timeout(60_000);
  const files = fs.readdirSync(KERAS_DIR).filter((f) => f.endsWith('.json'));
  it('finds them', () => assert.ok(files.length >= 30));
  for (const name of files) {
    it(name, async () => {
      const file = path.join(KERAS_DIR, name);
      const r = await run(['analyze', file, '--json']);
      if (ERRORS[name]) {
        assert.notEqual(r.code, 0);
        assert.match(r.err, ERRORS[name]);
        assert.equal(r.err.trim().split('\n').length, 1, r.err);
        return;
      }
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out);
      assert.deepEqual(Object.keys(j), ['format', 'file', 'inputs', 'outputs', 'totals', 'layers', 'notCosted']);
      assert.deepEqual(Object.keys(j.totals), ['params', 'macs', 'flops', 'weightBytes', 'peakActivationBytes']);
      assert.equal(j.format, 'keras');
      assert.ok(j.layers.length > 0);
      for (const l of j.layers) assert.deepEqual(Object.keys(l), ['name', 'type', 'params', 'macs', 'flops', 'outputs']);
      assert.ok(j.totals.params > 0);
    });
  }
});
