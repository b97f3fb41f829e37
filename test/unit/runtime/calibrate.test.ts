import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { deviceProfile } from '../../../src/core/runtime/calibrate';
import { tmpDir } from './helpers';

describe('runtime: device calibration', function () {
  this.timeout(60_000);
  it('measures MAC/s on an ORT MatMul and bandwidth on an ORT Add once, then reads the cache', async () => {
    const cache = path.join(tmpDir('cal'), 'sub', 'profile.json');
    const opts = { cache, matmulN: 256, addElements: 1 << 20, repeats: 2 };
    const a = await deviceProfile(opts);
    assert.ok(a.macsPerSecond > 1e8, `${a.macsPerSecond} MAC/s`);
    assert.ok(a.bytesPerSecond > 1e8, `${a.bytesPerSecond} B/s`);
    assert.match(a.method, /MatMul 256x256x256/);
    assert.ok(existsSync(cache));
    const b = await deviceProfile(opts);
    assert.deepEqual(b, a, 'second call served from the cache');
    assert.equal(Object.keys(JSON.parse(readFileSync(cache, 'utf8')).profiles).length, 1);
    // force re-measures and replaces the entry for this CPU/threads/sizes instead of adding one.
    const c = await deviceProfile({ ...opts, force: true });
    assert.ok(c.macsPerSecond > 1e8);
    assert.equal(Object.keys(JSON.parse(readFileSync(cache, 'utf8')).profiles).length, 1);
  });
});
