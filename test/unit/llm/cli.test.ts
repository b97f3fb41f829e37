import assert from 'node:assert/strict';
import path from 'node:path';
import { main } from '../../../src/cli/main';

const LLAMA = path.resolve(__dirname, '../../../../shared/models/llm/llama-2-7b/config.json');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('LLM: CLI analyze --json llm object and plan', function () {
  this.timeout(60_000);

  it('analyze --json gains "llm" with exactly the keys of issue 12', async () => {
    const r = await run(['analyze', LLAMA, '--json', '--dim', 'batch=1', '--dim', 'sequence=128', '--context', '4096']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(Object.keys(j), ['format', 'file', 'inputs', 'outputs', 'totals', 'layers', 'notCosted', 'llm']);
    assert.deepEqual(Object.keys(j.llm), ['architecture', 'layers', 'hiddenSize', 'heads', 'kvHeads', 'headDim', 'vocab', 'experts', 'expertsPerToken', 'params', 'kvCacheBytesPerToken', 'prefill', 'decode', 'weightBytes']);
    assert.deepEqual(Object.keys(j.llm.params), ['total', 'embedding', 'activePerToken']);
    assert.deepEqual(j.llm.prefill, { tokens: 128, macs: 850_000_871_424, flops: j.totals.flops });
    assert.equal(j.llm.decode.macsPerToken, 7_680_819_200);
    assert.equal(j.llm.kvCacheBytesPerToken, 524_288);
    const q8 = JSON.parse((await run(['analyze', LLAMA, '--json', '--kv-dtype', 'q8_0'])).out);
    assert.equal(q8.llm.kvCacheBytesPerToken, 32 * ((2 * 4096) / 32) * 34);
  });

  it('human analyze shows the LLM numbers', async () => {
    const r = await run(['analyze', LLAMA, '--dim', 'sequence=128', '--top', '3']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /LLM: llama, 32 layers, hidden 4096, 32 heads \/ 32 KV heads × 128/);
    assert.match(r.out, /KV cache \(fp16\): +524,288 B per token/);
    assert.match(r.out, /prefill: +128 tokens × batch 1: 850,000,871,424/);
  });

  it('plan --memory --bandwidth --json', async () => {
    const r = await run(['plan', LLAMA, '--memory', '16GiB', '--context', '4096', '--bandwidth', 'rtx4090', '--json']);
    assert.equal(r.code, 0, r.err);
    const p = JSON.parse(r.out).plan;
    assert.equal(p.budgetBytes, 16 * 2 ** 30);
    assert.equal(p.kvCacheBytes, 4096 * 524_288);
    assert.equal(p.bandwidthPreset, 'rtx4090');
    assert.equal(p.decodeTokensPerSecond, 1008e9 / p.bytesPerDecodeStep);
    const text = await run(['plan', LLAMA, '--memory', '8GiB']);
    assert.match(text.out, /does not fit/);
    assert.match(text.out, /largest context: +none \(the weights alone do not fit\)/);
    const bad = await run(['plan', LLAMA, '--memory', 'lots']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--memory expects a size/);
  });
});
