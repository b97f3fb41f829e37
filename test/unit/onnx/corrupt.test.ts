import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readOnnx } from '../../../src/core/formats/onnx/reader';
import { writeOnnx } from '../../../src/core/formats/onnx/writer';
import { isModelError } from '../../../src/core/errors';
import { prng, sharedModel, tmpDir } from './helpers';

const PER_CASE_MS = 2000;

/** Reading (and writing back what was read) ends in a model or a one-line ModelError, fast, whatever the bytes. */
async function survives(file: string, what: string, write?: string): Promise<'ok' | 'error'> {
  const t0 = Date.now();
  let outcome: 'ok' | 'error';
  try {
    const m = await readOnnx(file);
    if (write) {
      try {
        await writeOnnx(m, write);
      } catch (e) {
        if (!isModelError(e)) throw e;
      }
    }
    outcome = 'ok';
  } catch (e) {
    if (!isModelError(e)) assert.fail(`${what}: ${(e as Error)?.constructor?.name} instead of ModelError: ${(e as Error)?.stack ?? e}`);
    assert.ok(!e.message.includes('\n') && e.message.length < 400, `${what}: message is not one short line: ${e.message}`);
    outcome = 'error';
  }
  const ms = Date.now() - t0;
  assert.ok(ms < PER_CASE_MS, `${what}: took ${ms} ms`);
  return outcome;
}

describe('onnx reader: corrupt inputs', function () {
  this.timeout(600_000);
  const dir = tmpDir('corrupt');
  const target = path.join(dir, 'case.onnx');
  const out = path.join(dir, 'out.onnx');
  // Flipped copies of the external-data model find their weights (so the writer copies them too).
  copyFileSync(sharedModel('squeezenet1_1_extdata.onnx.data'), path.join(dir, 'squeezenet1_1_extdata.onnx.data'));

  it('truncated at every byte of the external-data model\'s structure file', async () => {
    const bytes = readFileSync(sharedModel('squeezenet1_1_extdata.onnx'));
    let errors = 0;
    for (let n = 0; n < bytes.length; n += 3) {
      writeFileSync(target, bytes.subarray(0, n));
      if ((await survives(target, `truncated at ${n}`)) === 'error') errors++;
    }
    // A protobuf cut between top-level fields can still parse; almost every cut must be caught.
    assert.ok(errors > (bytes.length / 3) * 0.95, `${errors} errors`);
  });

  for (const name of ['conv1d_audio.onnx', 'lstm_classifier.onnx', 'tiny_bert_dynamic.onnx']) {
    it(`${name} truncated at 600 offsets`, async () => {
      const bytes = readFileSync(sharedModel(name));
      const rnd = prng(1);
      const offsets = [...Array.from({ length: 300 }, (_, i) => i), ...Array.from({ length: 300 }, () => Math.floor(rnd() * bytes.length))];
      for (const n of offsets) {
        writeFileSync(target, bytes.subarray(0, n));
        await survives(target, `${name} truncated at ${n}`);
      }
    });
  }

  const flips: [string, number][] = [['squeezenet1_1_extdata.onnx', 2000], ['conv1d_audio.onnx', 500], ['tiny_bert_dynamic.onnx', 500]];
  for (const [name, count] of flips) {
    it(`${name}: ${count} random bit flips (seeded), read then written back`, async () => {
      const orig = readFileSync(sharedModel(name));
      // Flips land where the structure is: the first 64 KiB holds nodes and headers, the rest mostly weights.
      const span = Math.min(orig.length, 64 << 10);
      const rnd = prng(42);
      const outcomes = { ok: 0, error: 0 };
      for (let i = 0; i < count; i++) {
        const b = Buffer.from(orig);
        const flipsHere = 1 + Math.floor(rnd() * 3);
        const where: string[] = [];
        for (let k = 0; k < flipsHere; k++) {
          const at = Math.floor(rnd() * span);
          const bit = Math.floor(rnd() * 8);
          b[at] ^= 1 << bit;
          where.push(`${at}:${bit}`);
        }
        const file = path.join(dir, name.includes('extdata') ? 'squeezenet1_1_extdata.onnx' : 'case.onnx');
        writeFileSync(file, b);
        outcomes[await survives(file, `${name} flips ${where.join(',')}`, i % 25 === 0 ? out : undefined)]++;
      }
      assert.ok(outcomes.error > 0 && outcomes.ok > 0, JSON.stringify(outcomes));
    });
  }

  it('random bytes and random protobuf-looking bytes', async () => {
    const rnd = prng(7);
    for (let i = 0; i < 300; i++) {
      const n = 1 + Math.floor(rnd() * 4096);
      const b = Buffer.alloc(n);
      for (let k = 0; k < n; k++) b[k] = Math.floor(rnd() * 256);
      if (i % 2) b[0] = 0x08; // starts like a ModelProto (ir_version tag)
      writeFileSync(target, b);
      await survives(target, `random #${i}`);
    }
  });
});
