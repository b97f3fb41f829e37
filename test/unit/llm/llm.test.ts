import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { loadModel } from '../../../src/core/formats';
import { buildLlmModel } from '../../../src/core/formats/hf';
import { findMotifs } from '../../../src/core/motifs';
import { elements, hfTensors } from './checkpoints';
import { UNSEEN } from './configs';
import { writeSafetensors, writeSharded } from './safetensorsWriter';

const SHARED = path.resolve(__dirname, '../../../../shared/models/llm');

/** Published figures of ../shared/models/llm/README.md. */
const FIVE = [
  { dir: 'llama-2-7b', params: 6_738_415_616, kv: 524_288, shards: 2 },
  { dir: 'mistral-7b-v0.1', params: 7_241_732_096, kv: 131_072, shards: 2 },
  { dir: 'mixtral-8x7b-v0.1', params: 46_702_792_704, kv: 131_072, shards: 19, active: 12_879_925_248 },
  { dir: 'gpt2', params: 124_439_808, kv: 36_864, shards: 1 },
  { dir: 'phi-3-mini-4k-instruct', params: 3_821_079_552, kv: 393_216, shards: 2 },
];

function config(dir: string): Record<string, unknown> {
  const file = path.join(SHARED, dir, 'config.json');
  return JSON.parse(readFileSync(file, 'utf8'));
}

describe('LLM: Hugging Face config.json and safetensors checkpoints', function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'modellens-llm-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  /** A checkpoint folder: the shared config.json + shards whose headers carry the real names and shapes. */
  function checkpoint(dir: string, shards: number): string {
    const out = path.join(tmp, dir);
    const cfg = config(dir);
    const dtype = cfg.torch_dtype === 'float16' ? 'F16' : cfg.torch_dtype === 'bfloat16' ? 'BF16' : 'F32';
    if (shards === 1) {
      mkdirSync(out, { recursive: true });
      writeSafetensors(path.join(out, 'model.safetensors'), hfTensors(cfg, dtype));
    } else writeSharded(out, hfTensors(cfg, dtype), shards);
    copyFileSync(path.join(SHARED, dir, 'config.json'), path.join(out, 'config.json'));
    return out;
  }

  for (const m of FIVE) {
    describe(m.dir, () => {
      it('config.json alone: params, KV cache per token, active params are the published figures', async () => {
        const model = await loadModel(path.join(SHARED, m.dir, 'config.json'));
        assert.equal(model.format, 'hf-config');
        const a = analyzeModel(model, { dims: { batch: 1, sequence: 128 } });
        assert.equal(a.totals.params, m.params);
        assert.equal(a.llm!.params.total, m.params);
        assert.equal(a.llm!.kvCacheBytesPerToken, m.kv);
        assert.equal(a.llm!.params.activePerToken, m.active ?? m.params);
        assert.deepEqual(a.notCosted, []);
      });

      it('config + safetensors shards: the tensors own count, no missing/extra warnings, same from folder, index, shard and config', async () => {
        const dir = checkpoint(m.dir, m.shards);
        const expectedTensors = hfTensors(config(m.dir)).length;
        const opened = [dir, path.join(dir, 'config.json'), m.shards > 1 ? path.join(dir, 'model.safetensors.index.json') : path.join(dir, 'model.safetensors')];
        if (m.shards > 1) opened.push(path.join(dir, `model-00002-of-${String(m.shards).padStart(5, '0')}.safetensors`));
        for (const f of opened) {
          const model = await loadModel(f);
          assert.equal(model.format, 'safetensors', f);
          const a = analyzeModel(model, { dims: { batch: 1, sequence: 128 } });
          assert.equal(a.totals.params, m.params, f);
          assert.equal(a.llm!.kvCacheBytesPerToken, m.kv);
          assert.equal(a.llm!.params.activePerToken, m.active ?? m.params);
          assert.equal(model.graph.initializers.size, expectedTensors);
          for (const t of model.graph.initializers.values()) assert.equal(t.source.kind, 'file', t.name);
          assert.deepEqual(a.details.warnings.filter((w) => /tensor/.test(w)), [], f);
        }
      });
    });
  }

  it('Llama-2-7B: prefill MACs at (1, 128) and decode at 4096 are the README figures exactly', async () => {
    const a = analyzeModel(await loadModel(path.join(SHARED, 'llama-2-7b', 'config.json')), { dims: { batch: 1, sequence: 128 }, llm: { context: 4096 } });
    assert.equal(a.llm!.prefill.macs, 850_000_871_424);
    assert.equal(a.totals.macs, 850_000_871_424, 'the graph analysis agrees with the LLM formula');
    assert.equal(a.llm!.prefill.flops, a.totals.flops);
    assert.equal(a.llm!.decode!.macsPerToken, 7_680_819_200);
    assert.equal(a.llm!.linearMacsPerToken, 6_607_077_376);
  });

  it('the N decoder blocks are sibling scopes that the repeated-block motif groups (×N)', async () => {
    for (const [dir, scope, n] of [['llama-2-7b', 'model/layers.', 32], ['gpt2', 'h.', 12], ['mixtral-8x7b-v0.1', 'model/layers.', 32]] as const) {
      const a = analyzeModel(await loadModel(path.join(SHARED, dir, 'config.json')), { llm: false });
      const rep = findMotifs(a).filter((m) => m.kind === 'repeated');
      assert.equal(rep.length, n, dir);
      assert.ok(rep.every((m) => m.repeat!.count === n && m.repeat!.group === rep[0].repeat!.group));
      assert.ok(a.layers.filter((l) => l.scope?.join('/').startsWith(`${scope}0`)).length >= 13);
    }
  });

  it('Mixtral: linear MACs of one decoded token are the README figure (2 experts per layer)', async () => {
    const a = analyzeModel(await loadModel(path.join(SHARED, 'mixtral-8x7b-v0.1', 'config.json')));
    assert.equal(a.llm!.linearMacsPerToken, 12_748_587_008);
  });

  it('KV dtypes, sliding windows and the memory plan', async () => {
    const mistral = await loadModel(path.join(SHARED, 'mistral-7b-v0.1', 'config.json'));
    const at = (ctx: number, kvDtype?: 'fp8' | 'q4_0' | 'q8_0') => analyzeModel(mistral, { llm: { context: ctx, kvDtype } }).llm!;
    // 32 layers × K,V × 8 heads × 128: fp8 1 B, q8_0 34 B / 32 values, q4_0 18 B / 32 values.
    assert.equal(at(1024, 'fp8').kvCacheBytesPerToken, 32 * 2 * 8 * 128);
    assert.equal(at(1024, 'q8_0').kvCacheBytesPerToken, 32 * ((2 * 8 * 128) / 32) * 34);
    assert.equal(at(1024, 'q4_0').kvCacheBytesPerToken, 32 * ((2 * 8 * 128) / 32) * 18);
    // Sliding window 4096: the cache stops growing there.
    assert.equal(at(4096).plan.kvCacheBytes, 4096 * 131_072);
    assert.equal(at(32768).plan.kvCacheBytes, 4096 * 131_072);
    const llama = await loadModel(path.join(SHARED, 'llama-2-7b', 'config.json'));
    const p = analyzeModel(llama, { llm: { context: 4096, memoryBudget: 14 * 2 ** 30, bandwidth: { bytesPerSecond: 1e12 } } }).llm!.plan;
    assert.equal(p.weightBytes, 2 * 6_738_415_616);
    assert.equal(p.kvCacheBytes, 4096 * 524_288);
    assert.equal(p.totalBytes, p.weightBytes + p.kvCacheBytes + p.activationBytes);
    assert.equal(p.fits, false);
    // The largest context: its plan fits, one more token does not.
    const fitAt = (c: number) => analyzeModel(llama, { llm: { context: c, memoryBudget: 14 * 2 ** 30 } }).llm!.plan;
    assert.ok(p.largestContext! > 0 && p.largestContext! < 4096);
    assert.equal(fitAt(p.largestContext!).fits, true);
    assert.equal(fitAt(p.largestContext! + 1).fits, false);
    assert.equal(p.decodeTokensPerSecond, 1e12 / (p.weightBytes + p.kvCacheBytes));
    const q4 = analyzeModel(llama, { llm: { weightDtype: 'q4_0' } }).llm!.plan;
    assert.equal(q4.weightBytes, Math.ceil(6_738_415_616 / 32) * 18);
  });

  describe('checkpoints of other families (counts derived in the test from transformers state_dicts)', () => {
    for (const u of UNSEEN) {
      it(u.name, async () => {
        const want = elements(hfTensors(u.config));
        if (u.published !== undefined) assert.equal(want, u.published, 'the test derivation matches the published count');
        const alone = analyzeModel(buildLlmModel(u.config));
        assert.equal(alone.totals.params, want, 'config alone');
        assert.deepEqual(alone.notCosted, []);
        const dir = path.join(tmp, u.config.model_type as string + Math.random().toString(36).slice(2));
        writeSharded(dir, hfTensors(u.config), 3);
        writeFileSync(path.join(dir, 'config.json'), JSON.stringify(u.config));
        const model = await loadModel(dir);
        const a = analyzeModel(model);
        assert.equal(a.totals.params, want, 'config + shards');
        assert.deepEqual(a.details.warnings.filter((w) => /tensor/.test(w)), []);
      });
    }

    it('MoE active parameters: total minus the unused share of routed experts (Qwen3-30B-A3B, Qwen1.5-MoE-A2.7B)', () => {
      for (const u of UNSEEN.filter((x) => /moe/.test(x.config.model_type as string))) {
        const c = u.config as Record<string, number>;
        const ts = hfTensors(u.config);
        const routed = elements(ts.filter((t) => /\.experts\.\d+\./.test(t.name)));
        const want = elements(ts) - routed + (routed * c.num_experts_per_tok) / c.num_experts;
        assert.equal(analyzeModel(buildLlmModel(u.config)).llm!.params.activePerToken, want, u.name);
      }
    });

    it('qwen2 GQA and gemma head_dim override reach the KV cache', () => {
      const byName = (re: RegExp) => UNSEEN.find((u) => re.test(u.name))!.config;
      const q = analyzeModel(buildLlmModel(byName(/^Qwen2-0\.5B/))).llm!;
      assert.equal(q.kvCacheBytesPerToken, 24 * 2 * 2 * 64 * 2);
      const g = analyzeModel(buildLlmModel(byName(/^gemma-7b/))).llm!;
      assert.equal(g.headDim, 256);
      assert.equal(g.kvCacheBytesPerToken, 28 * 2 * 16 * 256 * 2);
      const g2 = analyzeModel(buildLlmModel(byName(/^gemma-2-2b/)), { llm: { context: 8192 } }).llm!;
      // Even layers slide over 4096 tokens, odd ones see all 8192.
      assert.equal(g2.plan.kvCacheBytes, 13 * 4096 * (2 * 4 * 256 * 2) + 13 * 8192 * (2 * 4 * 256 * 2));
    });
  });

  describe('checks against the tensors', () => {
    it('missing, extra and mis-shaped tensors are warnings naming them; params are the tensors own', async () => {
      const cfg = config('gpt2');
      const ts = hfTensors(cfg, 'F32').filter((t) => t.name !== 'h.3.mlp.c_fc.bias');
      const wrong = ts.find((t) => t.name === 'h.5.attn.c_proj.weight')!;
      wrong.shape = [768, 700];
      ts.push({ name: 'score.weight', dtype: 'F32', shape: [2, 768] });
      const dir = path.join(tmp, 'gpt2-broken');
      mkdirSync(dir);
      writeSafetensors(path.join(dir, 'model.safetensors'), ts);
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
      const a = analyzeModel(await loadModel(dir));
      const w = a.details.warnings.join('\n');
      assert.match(w, /not in the checkpoint.*"h\.3\.mlp\.c_fc\.bias"/);
      assert.match(w, /do not have the config's shape: "h\.5\.attn\.c_proj\.weight" is \[768, 700\]/);
      assert.match(w, /not part of the family's graph.*"score\.weight"/);
      assert.equal(a.totals.params, elements(ts));
    });

    it('GPTQ: logical params in × out, stored bytes from qweight/qzeros/scales/g_idx', async () => {
      const cfg = { ...config('llama-2-7b'), num_hidden_layers: 2, quantization_config: { quant_method: 'gptq', bits: 4, group_size: 128 } };
      const dense = hfTensors(cfg, 'F16');
      const ts = dense.flatMap((t) => {
        if (!/layers\.\d+\.(self_attn|mlp)\.\w+_proj\.weight$/.test(t.name)) return [t];
        const [o, i] = t.shape;
        const m = t.name.slice(0, -'.weight'.length);
        return [
          { name: `${m}.qweight`, dtype: 'I32', shape: [i / 8, o] },
          { name: `${m}.qzeros`, dtype: 'I32', shape: [i / 128, o / 8] },
          { name: `${m}.scales`, dtype: 'F16', shape: [i / 128, o] },
          { name: `${m}.g_idx`, dtype: 'I32', shape: [i] },
        ];
      });
      const dir = path.join(tmp, 'llama-gptq');
      mkdirSync(dir);
      writeSafetensors(path.join(dir, 'model.safetensors'), ts);
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
      const a = analyzeModel(await loadModel(dir));
      assert.equal(a.totals.params, elements(dense));
      const bytes = (t: { dtype: string; shape: number[] }) => t.shape.reduce((x, y) => x * y, 1) * (t.dtype === 'F16' ? 2 : 4);
      assert.equal(a.totals.weightBytes, ts.reduce((s, t) => s + bytes(t), 0));
      assert.deepEqual(a.details.warnings.filter((w) => /tensor/.test(w)), []);
      // The config alone estimates the same stored bytes from bits and group size.
      assert.equal(analyzeModel(buildLlmModel(cfg)).totals.weightBytes, a.totals.weightBytes);
    });

    it('an unknown model_type (also "__proto__") is a message and a tensor view grouped by layer, never a crash', async () => {
      for (const mt of ['mamba_like_thing', '__proto__', 'constructor']) {
        const ts = [
          { name: 'backbone.layers.0.mixer.in_proj.weight', dtype: 'F32', shape: [64, 32] },
          { name: 'backbone.layers.0.norm.weight', dtype: 'F32', shape: [32] },
          { name: 'backbone.layers.1.mixer.in_proj.weight', dtype: 'F32', shape: [64, 32] },
          { name: 'backbone.embeddings.weight', dtype: 'F32', shape: [100, 32] },
        ];
        const dir = path.join(tmp, `unknown-${mt.replace(/_/g, '')}`);
        mkdirSync(dir);
        writeSafetensors(path.join(dir, 'model.safetensors'), ts);
        writeFileSync(path.join(dir, 'config.json'), `{"model_type": ${JSON.stringify(mt)}, "hidden_size": 32}`);
        const model = await loadModel(path.join(dir, 'config.json'));
        const a = analyzeModel(model);
        assert.equal(a.totals.params, elements(ts));
        assert.match(a.details.warnings[0], new RegExp(`model_type "${mt}" is not one ModelLens knows`));
        assert.deepEqual(a.layers.map((l) => l.scope?.join('/') ?? l.name).sort(), ['backbone', 'backbone/layers.0', 'backbone/layers.1'].sort());
        assert.equal(model.llm, undefined);
      }
    });
  });
});

describe('LLM: safetensors without an index or a config', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'modellens-llm-lone-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('a lone safetensors file: the tensors grouped by layer, __metadata__ kept, a warning that there is no config', async () => {
    const ts = hfTensors({ ...config('gpt2'), n_layer: 2 }, 'F32');
    const f = path.join(tmp, 'weights.safetensors');
    writeSafetensors(f, ts, { format: 'pt', note: 'written by the test' });
    const a = analyzeModel(await loadModel(f));
    assert.equal(a.format, 'safetensors');
    assert.equal(a.totals.params, elements(ts));
    assert.equal(a.totals.weightBytes, 4 * elements(ts));
    assert.deepEqual(a.details.metadata, { format: 'pt', note: 'written by the test' });
    assert.match(a.details.warnings[0], /no config\.json beside the safetensors/);
    assert.deepEqual([...new Set(a.layers.map((l) => l.scope!.join('/')))].sort(), ['h.0', 'h.1', 'ln_f', 'wpe', 'wte'].sort());
  });

  it('metadata keys named after Object.prototype members stay data (__metadata__ and the index)', async () => {
    const ts = hfTensors({ ...config('gpt2'), n_layer: 1 }, 'F32');
    const dir = path.join(tmp, 'proto');
    mkdirSync(dir, { recursive: true });
    const f = path.join(dir, 'model.safetensors');
    writeSafetensors(f, ts, JSON.parse('{"__proto__": "p", "constructor": "c", "toString": "t"}'));
    const a = analyzeModel(await loadModel(f));
    assert.deepEqual(Object.keys(a.details.metadata ?? {}).sort(), ['__proto__', 'constructor', 'toString']);
    assert.equal(Object.getOwnPropertyDescriptor(a.details.metadata, '__proto__')?.value, 'p');
    assert.equal(({} as Record<string, unknown>).toString, Object.prototype.toString, 'Object.prototype untouched');
    assert.equal(Object.getPrototypeOf(a.details.metadata), Object.prototype);
  });

  it('numbered shards without an index: opening one shard reads them all (with config.json beside them)', async () => {
    const dir = path.join(tmp, 'noindex');
    mkdirSync(dir);
    const cfg = { ...config('llama-2-7b'), num_hidden_layers: 3 };
    const ts = hfTensors(cfg, 'F16');
    writeSharded(dir, ts, 3);
    rmSync(path.join(dir, 'model.safetensors.index.json'));
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
    const a = analyzeModel(await loadModel(path.join(dir, 'model-00003-of-00003.safetensors')));
    assert.equal(a.totals.params, elements(ts));
    assert.deepEqual(a.details.warnings, []);
    rmSync(path.join(dir, 'model-00002-of-00003.safetensors'));
    await assert.rejects(loadModel(path.join(dir, 'model-00001-of-00003.safetensors')), /shard 2 of 3 .*is missing/);
  });
});

describe('LLM: the per-token convention against the checkpoints and the graph', function () {
  this.timeout(180_000);
  const EMBEDDING = /(embed_tokens|wte|wpe|embed_in|word_embeddings|position_embeddings|token_type_embeddings)\.weight$/;
  const all = [
    ...FIVE.map((m) => ({ name: m.dir, config: config(m.dir) })),
    ...UNSEEN.filter((u) => u.config.model_type !== 'bert'),
  ];

  for (const m of all) {
    it(`${m.name}: linear MACs per token = every weight matrix once (experts k/E, tied head = the embedding); prefill formula = graph totals`, () => {
      const c = m.config as Record<string, number | boolean>;
      const ts = hfTensors(m.config);
      const k = Number(c.num_experts_per_tok ?? 1);
      const e = Number(c.num_local_experts ?? c.num_experts ?? 1);
      let want = 0;
      let experts = 0;
      for (const t of ts) {
        if (t.shape.length !== 2 || EMBEDDING.test(t.name)) continue;
        const n = t.shape[0] * t.shape[1];
        if (/\.experts\.\d+\./.test(t.name)) experts += n;
        else want += n;
      }
      want += (experts * k) / e;
      const tiedHead = !ts.some((t) => t.name === 'lm_head.weight' || t.name === 'embed_out.weight');
      if (tiedHead) want += ts.find((t) => /(embed_tokens|wte|word_embeddings)\.weight$/.test(t.name))!.shape.reduce((x, y) => x * y, 1);
      const a = analyzeModel(buildLlmModel(m.config), { dims: { batch: 2, sequence: 64 } });
      assert.equal(a.llm!.linearMacsPerToken, want);
      // 64 tokens are inside every sliding window here, so the formula and the graph's own sum agree.
      assert.equal(a.llm!.prefill.macs, a.totals.macs);
      assert.equal(a.llm!.prefill.flops, a.totals.flops);
    });
  }

  it('bert (an encoder): prefill is the graph at (batch, sequence), no KV cache, no decode', () => {
    const bert = UNSEEN.find((u) => u.config.model_type === 'bert')!.config;
    const a = analyzeModel(buildLlmModel(bert), { dims: { batch: 2, sequence: 64 } });
    assert.equal(a.llm!.prefill.macs, a.totals.macs);
    assert.equal(a.llm!.kvCacheBytesPerToken, 0);
    assert.equal(a.llm!.decode, null);
  });
});
