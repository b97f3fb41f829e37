import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { memoryPlanFor } from '../../../src/core/analysis/llm';
import { blockParams } from '../../../src/core/analysis/llmPlan';
import { loadModel } from '../../../src/core/formats';
import { looksLikeHfConfig } from '../../../src/extension/hfDetect';
import { blockKeyOffset, hfBlockTitle, hfKvTitle, hfTotalsTitle } from '../../../src/extension/hfLensText';

const LLM = path.resolve(__dirname, '../../../../shared/models/llm');
const KERAS = path.resolve(__dirname, '../../../../shared/models/keras');

async function lensesOf(dir: string) {
  const file = path.join(LLM, dir, 'config.json');
  const text = readFileSync(file, 'utf8');
  const model = await loadModel(file);
  const a = analyzeModel(model, { dims: { batch: 1 } });
  const kv = memoryPlanFor(a.llm!, { context: 1024, kvDtype: 'fp16' }).kvCacheBytes;
  return { text, top: hfTotalsTitle(a.llm!, a.totals.weightBytes), kv: hfKvTitle(a.llm!, kv), block: hfBlockTitle(blockParams(a)!, a.llm!) };
}

describe('config.json lenses: detection, text, placement', () => {
  it('recognises the five shared Hugging Face configs, by content and name', () => {
    const dirs = readdirSync(LLM).filter((d) => !d.endsWith('.md'));
    assert.equal(dirs.length, 5);
    for (const d of dirs) assert.equal(looksLikeHfConfig(`/x/${d}/config.json`, readFileSync(path.join(LLM, d, 'config.json'), 'utf8')), true, d);
  });

  it('rejects Keras JSON named config.json, other names and non-objects', () => {
    for (const f of readdirSync(KERAS).filter((x) => x.endsWith('.json')).slice(0, 10)) {
      assert.equal(looksLikeHfConfig('/m/config.json', readFileSync(path.join(KERAS, f), 'utf8')), false, f);
    }
    assert.equal(looksLikeHfConfig('/m/tokenizer_config.json', '{"model_type": "llama"}'), false);
    assert.equal(looksLikeHfConfig('/m/config.json', '{"name": "x"}'), false);
    assert.equal(looksLikeHfConfig('/m/config.json', '["model_type"]'), false);
  });

  it('Mixtral: totals with active params, KV cache per 1K tokens, experts per block', async () => {
    const l = await lensesOf('mixtral-8x7b-v0.1');
    assert.equal(l.top, 'ModelLens · mixtral · 46.7G params (12.9G active per token) · 87.0 GiB weights');
    // 1024 tokens × 131,072 bytes (README) = 128 MiB.
    assert.equal(l.kv, 'KV cache 128.0 MiB per 1K tokens (fp16)');
    assert.equal(l.block, '32 × block: attention 41.9M · experts 8 × 176.2M (2 active) · router 32.8K · norms 8.2K = 1.5G each');
  });

  it('Llama-2-7B: dense MLP; the lens sits on the num_hidden_layers line', async () => {
    const l = await lensesOf('llama-2-7b');
    assert.equal(l.top, 'ModelLens · llama · 6.7G params · 12.6 GiB weights');
    assert.equal(l.kv, 'KV cache 512.0 MiB per 1K tokens (fp16)');
    assert.equal(l.block, '32 × block: attention 67.1M · MLP 135.3M · norms 8.2K = 202.4M each');
    const at = blockKeyOffset(l.text)!;
    assert.match(l.text.slice(at), /^"num_hidden_layers"/);
  });

  it('GPT-2: n_layer key', async () => {
    const l = await lensesOf('gpt2');
    assert.match(l.text.slice(blockKeyOffset(l.text)!), /^"n_layer"/);
    assert.match(l.block, /^12 × block: attention 2\.4M · MLP 4\.7M/);
  });
});
