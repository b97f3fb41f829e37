/**
 * `npm start`'s set-up: the sample workspace (inside the checkout, git-ignored, refreshed from the
 * samples, auto-save off) and the Node version checks of scripts/e2e/setup.sh (the project's range from
 * package.json, code-server's own major).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const run = promisify(execFile);
const SAMPLE = path.join(ROOT, '..', 'shared', 'models', 'onnx', 'squeezenet1_0.onnx');

describe('npm start', function () {
  this.timeout(120000);

  it('refreshes a git-ignored sample workspace inside the checkout, with auto-save off', async () => {
    assert.ok(fs.existsSync(SAMPLE), `missing ${SAMPLE} (../shared beside the checkout)`);
    const prepare = async () => {
      const { stdout } = await run(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs'), '--prepare-only'], { cwd: ROOT });
      const m = /^start: workspace (.+?) \(/m.exec(stdout);
      assert.ok(m, `no workspace line in: ${stdout}`);
      return m[1];
    };
    const ws = await prepare();
    assert.ok(ws.startsWith(ROOT + path.sep), `workspace ${ws} is not inside the checkout ${ROOT}`);
    // git check-ignore exits 0 when the path is ignored.
    execFileSync('git', ['check-ignore', '-q', ws], { cwd: ROOT });
    const settings = JSON.parse(fs.readFileSync(path.join(ws, '.vscode', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(settings['files.autoSave'], 'off');

    // An edit saved during a session, and a file it left behind, are gone at the next start.
    const copy = path.join(ws, 'squeezenet1_0.onnx');
    fs.writeFileSync(copy, 'edited');
    fs.writeFileSync(path.join(ws, 'leftover.onnx'), 'x');
    assert.equal(await prepare(), ws);
    assert.ok(fs.readFileSync(copy).equals(fs.readFileSync(SAMPLE)), 'the sample is copied afresh');
    assert.ok(!fs.existsSync(path.join(ws, 'leftover.onnx')), 'files from an earlier session are removed');
  });

  describe('scripts/e2e/setup.sh Node check', () => {
    let bin: string;
    let home: string;
    before(() => {
      bin = fs.mkdtempSync(path.join(os.tmpdir(), 'modellens-fake-node-'));
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'modellens-e2e-home-')); // empty: no fast path
    });
    after(() => {
      fs.rmSync(bin, { recursive: true, force: true });
      fs.rmSync(home, { recursive: true, force: true });
    });
    /** Runs setup.sh with a `node` that reports `version` (and is the real node otherwise). */
    async function setupWith(version: string): Promise<{ code: number; out: string }> {
      fs.writeFileSync(path.join(bin, 'node'), `#!/bin/sh\nif [ "$1" = "-p" ] && [ "$2" = "process.versions.node" ]; then echo ${version}; exit 0; fi\nexec ${process.execPath} "$@"\n`, { mode: 0o755 });
      try {
        const { stdout, stderr } = await run('bash', [path.join(ROOT, 'scripts', 'e2e', 'setup.sh'), home], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
        return { code: 0, out: stdout + stderr };
      } catch (e) {
        const x = e as { code: number; stdout: string; stderr: string };
        return { code: x.code, out: x.stdout + x.stderr };
      }
    }

    it('refuses a Node below package.json engines, naming that range', async () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
      const r = await setupWith('18.19.0');
      assert.notEqual(r.code, 0);
      assert.ok(r.out.includes(`ModelLens needs Node ${pkg.engines.node} (found 18.19.0)`), r.out);
    });

    it('on another Node >= 20 says that only code-server needs Node 20, and what works without it', async () => {
      const r = await setupWith('22.11.0');
      assert.notEqual(r.code, 0);
      assert.match(r.out, /code-server 4\.100\.3 .* runs on Node 20 only, found 22\.11\.0\. The rest of ModelLens works on Node >=20; with desktop VS Code/);
    });
  });
});
