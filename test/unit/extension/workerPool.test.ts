// The analysis client's worker pool with real worker threads: a stuck, crashing or exiting worker is
// killed and reported, the next request gets a fresh worker, and cancellation terminates the worker.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CancelledError, WorkerPool, type CancelToken, type PoolFailure } from '../../../src/extension/workerPool';

// What the request's `file` says is what the worker does: answer, spin forever, stay silent, throw
// out of its handler, or call process.exit. It also reports its threadId so tests see replacements.
const WORKER = `
const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', (req) => {
  const answer = () => parentPort.postMessage({ id: req.id, ok: true, ms: 0, file: req.file, threadId });
  if (req.file === 'spin') for (;;) {}
  else if (req.file === 'silent') return;
  else if (req.file === 'throw') throw new Error('boom in the worker');
  else if (req.file === 'exit') process.exit(3);
  else if (req.file === 'slow') setTimeout(answer, 300);
  else if (req.file === 'progress') { parentPort.postMessage({ id: req.id, progress: 0.5, message: 'half' }); answer(); }
  else answer();
});
`;

interface Req {
  id: number;
  file: string;
}
type Ok = { id: number; ok: true; ms: number; file: string; threadId: number };
type Res = Ok | PoolFailure;

/** A stand-in for vscode.CancellationTokenSource. */
class TokenSource {
  private listeners: (() => void)[] = [];
  private cancelled = false;
  readonly token: CancelToken;
  constructor() {
    const src = this;
    this.token = {
      get isCancellationRequested() {
        return src.cancelled;
      },
      onCancellationRequested: (l) => {
        src.listeners.push(l);
        return { dispose: () => (src.listeners = src.listeners.filter((x) => x !== l)) };
      },
    };
  }
  cancel(): void {
    this.cancelled = true;
    for (const l of [...this.listeners]) l();
  }
}

describe('extension: analysis worker pool (real worker threads)', function () {
  this.timeout(30_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'modellens-pool-'));
  const file = path.join(dir, 'worker.cjs');
  writeFileSync(file, WORKER);
  let pool: WorkerPool<Req, Res>;
  let logs: string[];
  let id = 0;
  // Time limits of the next requests, then a generous one: starting a worker on a loaded machine is slow.
  let limits: number[] = [];
  const send = (f: string, token?: CancelToken, progress?: (p: number, m: string) => void) => pool.send({ id: ++id, file: f }, token, progress);
  const ok = (r: Res): Ok => {
    assert.ok(r.ok, `expected an answer, got ${JSON.stringify(r)}`);
    return r;
  };

  beforeEach(() => {
    logs = [];
    limits = [];
    pool = new WorkerPool<Req, Res>(file, () => limits.shift() ?? 10_000, (m) => logs.push(m), {});
  });
  afterEach(() => pool.dispose());

  it('answers requests in order on one worker, with progress', async () => {
    const seen: string[] = [];
    const [a, b] = await Promise.all([send('a'), send('progress', undefined, (p, m) => seen.push(`${p} ${m}`))]);
    assert.equal(ok(a).file, 'a');
    assert.equal(ok(b).threadId, ok(a).threadId);
    assert.deepEqual(seen, ['0.5 half']);
    assert.equal(pool.started, 1);
  });

  for (const how of ['spin', 'silent']) {
    it(`a stuck worker (${how === 'spin' ? 'busy loop' : 'never answers'}) is stopped at the time limit, reported, and replaced`, async () => {
      const first = ok(await send('a'));
      limits = [700];
      const t0 = Date.now();
      const stuck = await send(how);
      const ms = Date.now() - t0;
      assert.equal(stuck.ok, false);
      assert.deepEqual((stuck as PoolFailure).error, { message: 'analysis took longer than the time limit of 700 ms (modellens.analysis.timeoutSeconds) and was stopped', code: 'limit' });
      assert.ok(ms >= 680 && ms < 5000, `stopped after ${ms} ms`);
      assert.match(logs.join('\n'), new RegExp(`analysis of ${how} exceeded 700 ms; worker terminated`));
      const next = ok(await send('b'));
      assert.notEqual(next.threadId, first.threadId, 'a fresh worker');
      assert.equal(pool.started, 2);
    });
  }

  it('a request with a time limit of its own (apply) is held to it, and names its setting', async () => {
    limits = [60_000];
    const t0 = Date.now();
    const stuck = await pool.send({ id: ++id, file: 'spin' }, undefined, undefined, { ms: 700, setting: 'modellens.optimization.timeoutSeconds' });
    assert.ok(Date.now() - t0 < 5000, 'its own limit, not the pool\'s 60 s');
    assert.deepEqual((stuck as PoolFailure).error, { message: 'the optimization took longer than the time limit of 700 ms (modellens.optimization.timeoutSeconds) and was stopped', code: 'limit' });
    assert.equal(ok(await send('b')).file, 'b');
  });

  it('requests queued behind a stuck one run on the replacement worker', async () => {
    limits = [700];
    const [stuck, after] = await Promise.all([send('spin'), send('after')]);
    assert.equal(stuck.ok, false);
    assert.equal(ok(after).file, 'after');
  });

  it('a worker that throws ends the running request with a clear error; the next request works', async () => {
    const [crashed, queued] = await Promise.all([send('throw'), send('queued')]);
    assert.equal(crashed.ok, false);
    assert.deepEqual((crashed as PoolFailure).error, { message: 'analysis worker crashed: boom in the worker', code: 'bug' });
    assert.match(logs.join('\n'), /analysis worker crashed: Error: boom in the worker/);
    assert.equal(ok(queued).file, 'queued');
    assert.equal(ok(await send('b')).file, 'b');
  });

  it('a worker that calls process.exit ends the running request with its exit code; the next request works', async () => {
    const exited = await send('exit');
    assert.deepEqual((exited as PoolFailure).error, { message: 'analysis worker exited (code 3)', code: 'bug' });
    assert.equal(ok(await send('b')).file, 'b');
    assert.equal(pool.started, 2);
  });

  it('cancelling the running request terminates its worker; the next request gets a fresh one', async () => {
    const first = ok(await send('a'));
    const src = new TokenSource();
    const p = send('spin', src.token);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    src.cancel();
    await assert.rejects(p, CancelledError);
    assert.ok(Date.now() - t0 < 200, 'rejected at once');
    const next = ok(await send('b'));
    assert.notEqual(next.threadId, first.threadId);
    assert.equal(logs.length, 0, 'a cancellation is not reported as a stuck worker');
  });

  it('cancelling a queued request removes it without touching the running one', async () => {
    const src = new TokenSource();
    const running = send('slow');
    const queued = send('x', src.token);
    src.cancel();
    await assert.rejects(queued, CancelledError);
    assert.equal(ok(await running).file, 'slow');
    assert.equal(pool.started, 1);
  });

  it('an already cancelled token is refused without starting a worker', async () => {
    const src = new TokenSource();
    src.cancel();
    await assert.rejects(send('a', src.token), CancelledError);
    assert.equal(pool.started, 0);
  });

  it('a worker file that cannot load fails the request with a clear error, not the host', async () => {
    const bad = new WorkerPool<Req, Res>(path.join(dir, 'missing.cjs'), () => 2000, () => undefined, {});
    try {
      const r = await bad.send({ id: 1, file: 'a' });
      assert.equal(r.ok, false);
      assert.match((r as PoolFailure).error.message, /^analysis worker (crashed|cannot start): .*missing\.cjs/);
    } finally {
      bad.dispose();
    }
  });

  it('dispose rejects the running and queued requests as cancelled', async () => {
    const a = send('spin');
    const b = send('b');
    pool.dispose();
    await assert.rejects(a, CancelledError);
    await assert.rejects(b, CancelledError);
  });
});
