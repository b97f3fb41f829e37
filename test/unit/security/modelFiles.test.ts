import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { printable, requireRegularFile, resolveInModelFolder } from '../../../src/core/formats/modelFiles';
import { isModelError } from '../../../src/core/errors';

describe('modelFiles: paths named by a model file stay in its folder', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ml-paths-'));
  const dir = path.join(root, 'model');
  mkdirSync(path.join(dir, 'sub'), { recursive: true });
  writeFileSync(path.join(dir, 'w.bin'), 'abcd');
  writeFileSync(path.join(dir, 'sub', 'x.bin'), 'x');
  writeFileSync(path.join(root, 'canary.txt'), 'secret');
  symlinkSync(path.join(root, 'canary.txt'), path.join(dir, 'out-link.bin'));
  symlinkSync(path.join(dir, 'w.bin'), path.join(dir, 'in-link.bin'));
  symlinkSync('/dev/zero', path.join(dir, 'zero.bin'));
  execFileSync('mkfifo', [path.join(dir, 'pipe.bin')]);

  const why = (ref: string) => {
    const r = resolveInModelFolder(dir, ref);
    assert.equal(r.ok, false, `${ref} should be refused`);
    return (r as { why: string }).why;
  };

  it('accepts files inside the folder, links that stay inside included', () => {
    for (const ref of ['w.bin', './w.bin', 'sub/x.bin', 'sub\\x.bin', 'sub/../w.bin', 'in-link.bin']) {
      const r = resolveInModelFolder(dir, ref);
      assert.ok(r.ok, ref);
    }
    const r = resolveInModelFolder(dir, 'w.bin');
    assert.equal(r.ok && r.size, 4);
  });
  it('refuses absolute paths, escapes, links out, NUL bytes, devices and FIFOs', () => {
    assert.match(why('/etc/passwd'), /absolute path/);
    assert.match(why('C:/x.bin'), /absolute path/);
    assert.match(why('../canary.txt'), /outside the model's folder/);
    assert.match(why('sub/../../canary.txt'), /outside the model's folder/);
    assert.match(why('.'), /outside the model's folder/);
    assert.match(why('out-link.bin'), /link to a file outside/);
    assert.match(why('w.bin\0x'), /NUL byte/);
    assert.match(why('zero.bin'), /device/);
    assert.match(why('pipe.bin'), /named pipe/);
    assert.match(why('sub'), /folder, not a regular file/);
    assert.match(why('nope.bin'), /is missing/);
  });
  it('the model itself must be a regular file', () => {
    assert.equal(requireRegularFile(path.join(dir, 'w.bin')), 4);
    for (const f of ['pipe.bin', 'zero.bin', 'sub']) {
      assert.throws(() => requireRegularFile(path.join(dir, f)), (e) => isModelError(e) && /not a regular file|folder/.test(e.message));
    }
  });
  it('printable escapes control characters and elides long names', () => {
    assert.equal(printable('W\n error: x\x1b[2J'), 'W\\x0a error: x\\x1b[2J');
    const p = printable('a'.repeat(10_000));
    assert.ok(p.length <= 120 && p.includes('10000 chars'), p);
  });
});
