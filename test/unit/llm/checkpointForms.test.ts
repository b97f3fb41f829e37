import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { memoryPlanFor } from '../../../src/core/analysis/llm';
import { loadModel } from '../../../src/core/formats';
import { buildLlmModel } from '../../../src/core/formats/hf';
import { elements, hfTensors } from './checkpoints';
import { writeSafetensors, type TensorSpec } from './safetensorsWriter';

const SHARED = path.resolve(__dirname, '../../../../shared/models/llm');
const config = (dir: string) => JSON.parse(readFileSync(path.join(SHARED, dir, 'config.json'), 'utf8')) as Record<string, unknown>;
const bytesOf = (t: TensorSpec) => t.shape.reduce((x, y) => x * y, 1) * ({ F16: 2, BF16: 2, F32: 4, I32: 4, I64: 8, F8_E4M3: 1, U8: 1 } as Record<string, number>)[t.dtype];

/** Checkpoint forms: quantization schemes, old GPT-2 files, tied heads stored anyway, Qwen windows, plans from JSON. */
describe('LLM: checkpoint forms and the plan from JSON', function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'modellens-llm-forms-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  async function open(name: string, cfg: Record<string, unknown>, ts: TensorSpec[]) {
    const dir = path.join(tmp, name);
    mkdirSync(dir);
    writeSafetensors(path.join(dir, 'model.safetensors'), ts);
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
    return analyzeModel(await loadModel(dir));
  }
  const small = { ...config('llama-2-7b'), num_hidden_layers: 2 };
  const isProj = (n: string) => /layers\.\d+\.(self_attn|mlp)\.\w+_proj\.weight$/.test(n);

  it('AWQ (qweight [in, out/8]) and compressed-tensors (weight_packed [out, in/8] + scales + weight_shape): logical params, stored bytes', async () => {
    const dense = hfTensors(small, 'F16');
    const awq = dense.flatMap((t): TensorSpec[] => {
      if (!isProj(t.name)) return [t];
      const [o, i] = t.shape;
      const m = t.name.slice(0, -7);
      return [{ name: `${m}.qweight`, dtype: 'I32', shape: [i, o / 8] }, { name: `${m}.qzeros`, dtype: 'I32', shape: [i / 128, o / 8] }, { name: `${m}.scales`, dtype: 'F16', shape: [i / 128, o] }];
    });
    const a = await open('awq', { ...small, quantization_config: { quant_method: 'awq', bits: 4, group_size: 128 } }, awq);
    assert.equal(a.totals.params, elements(dense));
    assert.equal(a.totals.weightBytes, awq.reduce((s, t) => s + bytesOf(t), 0));
    assert.ok(a.details.weightBytesByDtype['awq-int4'] > 0);
    assert.deepEqual(a.details.warnings.filter((w) => /tensor/.test(w)), []);

    const ct = dense.flatMap((t): TensorSpec[] => {
      if (!isProj(t.name)) return [t];
      const [o, i] = t.shape;
      const m = t.name.slice(0, -7);
      return [{ name: `${m}.weight_packed`, dtype: 'I32', shape: [o, i / 8] }, { name: `${m}.weight_scale`, dtype: 'F16', shape: [o, i / 128] }, { name: `${m}.weight_shape`, dtype: 'I64', shape: [2] }];
    });
    const c = await open('ct', { ...small, quantization_config: { quant_method: 'compressed-tensors' } }, ct);
    assert.equal(c.totals.params, elements(dense));
    assert.equal(c.totals.weightBytes, ct.reduce((s, t) => s + bytesOf(t), 0));
    assert.ok(c.details.weightBytesByDtype['compressed-int4'] > 0);
  });

  it('FP8 weights with per-tensor scales: parameters are the FP8 weights, bytes include the scales', async () => {
    const dense = hfTensors(small, 'BF16');
    const fp8 = dense.flatMap((t): TensorSpec[] => (isProj(t.name) ? [{ ...t, dtype: 'F8_E4M3' }, { name: `${t.name}_scale`, dtype: 'F32', shape: [] }, { name: `${t.name.slice(0, -7)}.input_scale`, dtype: 'F32', shape: [] }] : [t]));
    const a = await open('fp8', small, fp8);
    assert.equal(a.totals.params, elements(dense));
    assert.equal(a.totals.weightBytes, fp8.reduce((s, t) => s + bytesOf(t), 0));
    assert.deepEqual(a.details.warnings.filter((w) => /tensor/.test(w)), []);
  });

  it('an old GPT-2 file: "transformer." names and causal-mask buffers (named, not counted)', async () => {
    const cfg = config('gpt2');
    const ts = hfTensors(cfg, 'F32').map((t) => ({ ...t, name: `transformer.${t.name}` }));
    for (let i = 0; i < 12; i++) ts.push({ name: `transformer.h.${i}.attn.bias`, dtype: 'F32', shape: [1, 1, 1024, 1024] });
    const a = await open('gpt2-old', cfg, ts);
    assert.equal(a.totals.params, 124_439_808);
    const w = a.details.warnings.join('\n');
    assert.match(w, /12 buffer tensor\(s\) .* not counted: "transformer\.h\.0\.attn\.bias"/);
    assert.doesNotMatch(w, /not in the checkpoint|not part of/);
  });

  it('a tied lm_head stored anyway is counted once, and the user is told', async () => {
    const cfg = UNSEEN_QWEN;
    const ts = [...hfTensors(cfg, 'BF16'), { name: 'lm_head.weight', dtype: 'BF16', shape: [151936, 896] }];
    const a = await open('qwen-tied-stored', cfg, ts);
    assert.equal(a.totals.params, 494_032_768);
    assert.match(a.details.warnings.join('\n'), /"lm_head\.weight" is stored but tied to "model\.embed_tokens\.weight".*counted once/);
  });

  it('Qwen2 with use_sliding_window: layers from max_window_layers on slide, the others do not', () => {
    const m = buildLlmModel({ ...UNSEEN_QWEN, use_sliding_window: true, sliding_window: 4096, max_window_layers: 20 });
    const kinds = m.llm!.attention!.map((k) => k.kind);
    assert.deepEqual(kinds, [...Array(20).fill('full'), ...Array(4).fill('sliding')]);
    assert.deepEqual(buildLlmModel(UNSEEN_QWEN).llm!.attention!.map((k) => k.kind), Array(24).fill('full'));
  });

  it('memoryPlanFor on the JSON of an analysis plans another context, batch and budget as the analysis does', async () => {
    const model = await loadModel(path.join(SHARED, 'mixtral-8x7b-v0.1', 'config.json'));
    const l = JSON.parse(JSON.stringify(analyzeModel(model, { llm: { context: 1024 } }).llm));
    const o = { context: 16384, batch: 4, kvDtype: 'q8_0' as const, memoryBudget: 100 * 2 ** 30, bandwidth: { bytesPerSecond: 2e12 } };
    assert.deepEqual(memoryPlanFor(l, o), analyzeModel(model, { llm: o }).llm!.plan);
    // MoE decode reads the dense weights and, at batch 1, 2 of 8 experts per layer.
    const p1 = memoryPlanFor(l, { context: 4096 });
    const routed = l.planInputs.routedBytes;
    assert.equal(p1.bytesPerDecodeStep, Math.round(l.weightBytes - routed * (6 / 8) + 4096 * 131_072));
  });
});

const UNSEEN_QWEN = { model_type: 'qwen2', hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2, vocab_size: 151936, max_position_embeddings: 131072, max_window_layers: 24, sliding_window: 131072, use_sliding_window: false, tie_word_embeddings: true, torch_dtype: 'bfloat16' };

describe('LLM: a base-model checkpoint (LlamaModel: no "model." prefix, no lm_head)', function () {
  this.timeout(60_000);
  it('matches its tensors and names the one it lacks', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'modellens-llm-base-'));
    try {
      const cfg = { ...config('llama-2-7b'), num_hidden_layers: 2 };
      const ts = hfTensors(cfg, 'F16').filter((t) => t.name !== 'lm_head.weight').map((t) => ({ ...t, name: t.name.replace(/^model\./, '') }));
      writeSafetensors(path.join(tmp, 'model.safetensors'), ts);
      writeFileSync(path.join(tmp, 'config.json'), JSON.stringify(cfg));
      const a = analyzeModel(await loadModel(tmp));
      assert.equal(a.totals.params, elements(ts));
      assert.deepEqual(a.details.warnings, ['1 tensor(s) the config implies are not in the checkpoint (costed from the config\'s shapes, not counted as parameters): "lm_head.weight"']);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
