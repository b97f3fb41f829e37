import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isModelError } from '../../../src/core/errors';
import { loadModel } from '../../../src/core/formats';
import { main } from '../../../src/cli/main';
import { rawHeaderFile, writeSafetensors } from './safetensorsWriter';

/** Hostile safetensors headers and index files end in one-line ModelErrors, never a crash or a hang. */
describe('LLM: hostile safetensors input', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'modellens-llm-hostile-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  async function fails(file: string, re: RegExp): Promise<void> {
    await assert.rejects(loadModel(file), (e: unknown) => {
      assert.ok(isModelError(e), `expected a ModelError, got ${String(e)}`);
      const msg = (e as Error).message;
      assert.ok(!msg.includes('\n'), `one line: ${msg}`);
      assert.match(msg, re);
      return true;
    });
  }

  it('a header length of 2^63', async () => {
    const f = path.join(tmp, 'huge.safetensors');
    rawHeaderFile(f, 2n ** 63n, '{}');
    await fails(f, /declares a header of 9223372036854775808 bytes, more than the file holds/);
  });

  it('a header of 10^5 nested arrays', async () => {
    const f = path.join(tmp, 'deep.safetensors');
    const body = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    rawHeaderFile(f, BigInt(body.length), body);
    await fails(f, /nests deeper than 8 levels/);
  });

  it('data offsets past the end, sizes that do not match the dtype, unknown dtypes, overlaps', async () => {
    const cases: [object, RegExp][] = [
      [{ w: { dtype: 'F32', shape: [4], data_offsets: [0, 1 << 20] } }, /past the end of the file/],
      [{ w: { dtype: 'F32', shape: [4], data_offsets: [0, 8] } }, /holds 8 bytes, but F32 \[4\] needs 16/],
      [{ w: { dtype: 'Q7', shape: [4], data_offsets: [0, 4] } }, /dtype Q7, which ModelLens does not know/],
      [{ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, /has shape \[-1\]/],
      [{ a: { dtype: 'U8', shape: [8], data_offsets: [0, 8] }, b: { dtype: 'U8', shape: [8], data_offsets: [4, 12] } }, /overlap/],
    ];
    for (const [h, re] of cases) {
      const f = path.join(tmp, `bad${Math.random().toString(36).slice(2)}.safetensors`);
      const body = JSON.stringify(h);
      rawHeaderFile(f, BigInt(body.length), body + ' '.repeat(16));
      await fails(f, re);
    }
  });

  it('an index naming a shard with ../, an absolute path or a link out of the folder', async () => {
    const outside = path.join(tmp, 'outside.safetensors');
    writeSafetensors(outside, [{ name: 'w', dtype: 'F32', shape: [2] }]);
    const dir = path.join(tmp, 'model');
    mkdirSync(dir);
    symlinkSync(outside, path.join(dir, 'linked.safetensors'));
    for (const [shard, re] of [['../outside.safetensors', /points outside the model's folder/], [outside, /absolute path/], ['linked.safetensors', /link to a file outside/]] as const) {
      writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { w: shard } }));
      await fails(path.join(dir, 'model.safetensors.index.json'), re);
    }
  });

  it('the CLI prints one line and exits 1', async () => {
    const f = path.join(tmp, 'huge.safetensors');
    const err: string[] = [];
    const code = await main(['analyze', f], () => undefined, (s) => err.push(s));
    assert.equal(code, 1);
    assert.equal(err.length, 1);
    assert.match(err[0], /^error: .*huge\.safetensors: safetensors file huge\.safetensors declares a header of 9223372036854775808 bytes/);
  });

  it('absurd configs: 10^9 layers (refused before anything is sized by them), top-k above the experts, non-numbers', async () => {
    const dir = path.join(tmp, 'cfg');
    mkdirSync(dir);
    const f = path.join(dir, 'config.json');
    for (const [cfg, re] of [
      [{ model_type: 'llama', num_hidden_layers: 1_000_000_000, hidden_size: 64, num_attention_heads: 4, vocab_size: 10 }, /declares 1000000000 layers \(limit 1024\)/],
      [{ model_type: 'mixtral', num_hidden_layers: 2, hidden_size: 64, num_attention_heads: 4, vocab_size: 10, num_local_experts: 2, num_experts_per_tok: 3 }, /routes each token to 3 of 2 experts/],
      [{ model_type: 'llama', num_hidden_layers: '32', hidden_size: 64, num_attention_heads: 4, vocab_size: 10 }, /no usable num_hidden_layers/],
      [{ model_type: 'llama', num_hidden_layers: 2, hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 3, vocab_size: 10 }, /does not divide/],
    ] as const) {
      writeFileSync(f, JSON.stringify(cfg));
      await fails(f, re);
    }
  });
});
