// GGUF headers of five public checkpoints (llama.cpp naming, sparse data): the reader's parameter
// counts equal the published totals in ../shared/models/llm/README.md, the bytes per ggml type equal the
// published bits per weight, and the config.json-like object from GGUF metadata equals the checkpoint's
// own config.json on every architecture key.
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { elementCount } from '../../../src/core/ir/tensor';
import { openGguf, readGgufAsHf } from '../../../src/core/formats/gguf';
import { config, gpt2, LLM_DIR, llamaFamily, phi3, split, type Checkpoint, type Cfg } from './checkpoints';
import { writeGguf } from './ggufWriter';

/** Published totals, read from the README table (not typed in here). */
function published(): Map<string, { total: number; active?: number }> {
  const md = readFileSync(path.join(LLM_DIR, 'README.md'), 'utf8');
  const out = new Map<string, { total: number; active?: number }>();
  for (const line of md.split('\n')) {
    const m = /^\| ([a-z0-9.-]+) \| [a-z0-9_]+ \| ([\d,]+)(?: total; ([\d,]+) active)?/.exec(line);
    if (m) out.set(m[1], { total: Number(m[2].replace(/,/g, '')), active: m[3] ? Number(m[3].replace(/,/g, '')) : undefined });
  }
  if (out.size !== 5) throw new Error(`expected 5 rows in ${LLM_DIR}/README.md, found ${out.size}`);
  return out;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'modellens-gguf-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, cp: Checkpoint): string {
  const f = path.join(dir, name);
  writeGguf(f, cp.kv, cp.tensors);
  return f;
}

const params = (ts: { dims: readonly number[] }[]) => ts.reduce((s, t) => s + elementCount(t), 0);

/** The architecture keys both paths must agree on, when the config.json has them. */
const ARCH_KEYS = ['model_type', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'intermediate_size', 'vocab_size', 'max_position_embeddings', 'num_local_experts', 'num_experts_per_tok', 'rms_norm_eps', 'rope_theta', 'tie_word_embeddings', 'n_embd', 'n_layer', 'n_head', 'n_positions', 'n_ctx', 'layer_norm_epsilon', 'original_max_position_embeddings', 'sliding_window'];

function sameConfig(got: Record<string, unknown>, want: Cfg, except: string[] = []): void {
  for (const k of ARCH_KEYS) {
    if (!(k in want) || except.includes(k)) continue;
    const w = want[k];
    const g = got[k];
    if (typeof w === 'number' && !Number.isInteger(w)) assert.ok(typeof g === 'number' && Math.abs(g - w) <= 1e-6 * Math.abs(w), `${k}: ${g} vs ${w}`);
    else assert.deepEqual(g, w, k);
  }
}

describe('GGUF: public checkpoints (llama.cpp naming, sparse data)', function () {
  this.timeout(120_000);
  const pub = published();

  it('Llama-2-7B Q4_K_M: parameters, HF names and config equal the checkpoint', () => {
    const c = config('llama-2-7b');
    const { gguf, hf } = readGgufAsHf(write('llama-2-7b.Q4_K_M.gguf', llamaFamily(c, 'LLaMA v2')));
    assert.equal(params(hf.tensors), pub.get('llama-2-7b')!.total);
    assert.equal(gguf.tensors.size, 291);
    sameConfig(hf.config, c);
    assert.equal(hf.unmapped.length, 0);
    const q = hf.tensors.find((t) => t.name === 'model.layers.31.self_attn.q_proj.weight')!;
    assert.deepEqual(q.dims, [4096, 4096]);
    const down = hf.tensors.find((t) => t.name === 'model.layers.0.mlp.down_proj.weight')!;
    assert.deepEqual(down.dims, [4096, 11008]); // HF [out, in]
    assert.deepEqual(down.stored, { type: 'Q6_K', bytes: (4096 * 11008 * 6.5625) / 8 });
    assert.equal(hf.tensors.find((t) => t.name === 'lm_head.weight')?.stored?.type, 'Q6_K');
    assert.equal(hf.tensors.find((t) => t.name === 'model.norm.weight')?.stored, undefined);
  });

  it('Llama-2-7B Q4_K_M: bytes per ggml type exact (Q4_K 4.5, Q6_K 6.5625 bits per weight, F32 norms)', () => {
    const c = config('llama-2-7b');
    const cp = llamaFamily(c, 'LLaMA v2');
    const { hf } = readGgufAsHf(write('l2-bytes.gguf', cp));
    // Expected from the writer's choice of types and llama.cpp's published bits per weight.
    const BPW: Record<string, number> = { Q4_K: 4.5, Q6_K: 6.5625, F32: 32 };
    const want = new Map<string, number>();
    for (const t of cp.tensors) want.set(t.type, (want.get(t.type) ?? 0) + (t.ne.reduce((a, b) => a * b, 1) * BPW[t.type]) / 8);
    assert.deepEqual(Object.fromEntries(hf.storedBytesByType), Object.fromEntries(want));
    assert.deepEqual([...want.keys()].sort(), ['F32', 'Q4_K', 'Q6_K']);
    // 4.08 GB, the size of llama-2-7b.Q4_K_M.gguf as published (TheBloke/Llama-2-7B-GGUF: 4.08 GB).
    const total = [...hf.storedBytesByType.values()].reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total / 1e9 - 4.08) < 0.01, `${total}`);
  });

  it('Mistral-7B (written as llama by convert): parameters and config, sliding window not in GGUF', () => {
    const c = config('mistral-7b-v0.1');
    const { hf } = readGgufAsHf(write('mistral.gguf', llamaFamily(c, 'Mistral 7B v0.1')));
    assert.equal(params(hf.tensors), pub.get('mistral-7b-v0.1')!.total);
    // convert_hf_to_gguf writes MistralForCausalLM as arch llama without the window: llama.cpp runs it
    // with full attention, and so does the analysis of the GGUF.
    sameConfig(hf.config, c, ['model_type', 'sliding_window']);
    assert.equal(hf.config.model_type, 'llama');
    assert.equal(hf.config.sliding_window, null);
    assert.equal(hf.config.num_key_value_heads, 8);
  });

  it('Mixtral-8x7B: stacked experts split per expert, total and active parameters exact', () => {
    const c = config('mixtral-8x7b-v0.1');
    const { gguf, hf } = readGgufAsHf(write('mixtral.gguf', llamaFamily(c, 'Mixtral 8x7B')));
    assert.equal(gguf.tensors.size, 32 * 10 + 3); // norms, q, k, v, o, router, 3 stacked experts per layer
    assert.equal(params(hf.tensors), pub.get('mixtral-8x7b-v0.1')!.total);
    sameConfig(hf.config, c, ['sliding_window']);
    assert.equal(hf.config.model_type, 'mixtral');
    // Active per token: everything but the 6 experts a token does not use, from the tensors.
    const expert = hf.tensors.filter((t) => /\.experts\.0\./.test(t.name)).reduce((s, t) => s + elementCount(t), 0);
    assert.equal(params(hf.tensors) - expert * (8 - 2), pub.get('mixtral-8x7b-v0.1')!.active);
    const w2 = hf.tensors.filter((t) => t.name.startsWith('model.layers.5.block_sparse_moe.experts.') && t.name.endsWith('.w2.weight'));
    assert.equal(w2.length, 8);
    assert.deepEqual(w2[3].dims, [4096, 14336]);
    // Each expert is its own contiguous range of the stacked tensor.
    const stacked = gguf.tensors.get('blk.5.ffn_down_exps.weight')!;
    const src = w2.map((t) => t.source as { offset: number; length: number });
    assert.equal(src[0].offset, stacked.offset);
    assert.equal(src[7].offset + src[7].length, stacked.offset + stacked.bytes);
    assert.equal(src[3].length, stacked.bytes / 8);
  });

  it('Mixtral with one tensor per expert (GGUFs before the _exps merge) maps to the same names', () => {
    const c = config('mixtral-8x7b-v0.1');
    const { hf } = readGgufAsHf(write('mixtral-old.gguf', llamaFamily(c, 'Mixtral 8x7B', 'Q4_K_M', { layers: 2, perExpertTensors: true })));
    assert.equal(hf.unmapped.length, 0);
    assert.ok(hf.tensors.some((t) => t.name === 'model.layers.1.block_sparse_moe.experts.7.w3.weight'));
  });

  it('GPT-2: output.weight (a copy convert writes) counted once, Conv1D weights in HF [in, out] order', () => {
    const c = config('gpt2');
    const { gguf, hf } = readGgufAsHf(write('gpt2.gguf', gpt2(c)));
    assert.ok(gguf.tensors.has('output.weight'));
    assert.equal(params(hf.tensors), pub.get('gpt2')!.total);
    assert.deepEqual(hf.copies, [{ name: 'output.weight', of: 'token_embd.weight' }]);
    assert.equal(hf.config.tie_word_embeddings, true);
    sameConfig(hf.config, c);
    assert.deepEqual(hf.tensors.find((t) => t.name === 'h.0.attn.c_attn.weight')?.dims, [768, 2304]);
    assert.deepEqual(hf.tensors.find((t) => t.name === 'wte.weight')?.dims, [50257, 768]);
    // The file holds both copies: bytes as stored include it.
    assert.equal(hf.storedBytesByType.get('F16'), 2 * [...gguf.tensors.values()].filter((t) => t.type.name === 'F16').reduce((s, t) => s + t.elements, 0));
  });

  it('Phi-3-mini: fused qkv / gate_up, sliding window from phi3.attention.sliding_window', () => {
    const c = config('phi-3-mini-4k-instruct');
    const { hf } = readGgufAsHf(write('phi3.gguf', phi3(c)));
    assert.equal(params(hf.tensors), pub.get('phi-3-mini-4k-instruct')!.total);
    sameConfig(hf.config, c);
    assert.deepEqual(hf.tensors.find((t) => t.name === 'model.layers.0.mlp.gate_up_proj.weight')?.dims, [16384, 3072]);
    assert.deepEqual(hf.tensors.find((t) => t.name === 'model.layers.0.self_attn.qkv_proj.weight')?.dims, [9216, 3072]);
  });

  it('a split model (-0000N-of-0000M.gguf): any shard opens the whole model', () => {
    const c = config('llama-2-7b');
    const parts = split(llamaFamily(c, 'LLaMA v2'), 3);
    const files = parts.map((p, i) => write(`llama-2-7b-Q4_K_M-${String(i + 1).padStart(5, '0')}-of-00003.gguf`, p));
    for (const f of files) {
      const { gguf, hf } = readGgufAsHf(f);
      assert.equal(gguf.shards.length, 3);
      assert.equal(params(hf.tensors), pub.get('llama-2-7b')!.total);
      assert.equal(hf.config.num_hidden_layers, 32);
    }
    const g = openGguf(files[1]);
    assert.equal(new Set([...g.tensors.values()].map((t) => t.file)).size, 3);
  });
});

describe('GGUF: a stored copy is recognised from the data, not assumed', () => {
  it("GPT-2's output.weight: equal samples → counted once; different data → both counted, with a warning", () => {
    const tiny = { ...config('gpt2'), n_embd: 64, n_layer: 1, n_head: 2, vocab_size: 100, n_positions: 16, n_ctx: 16 };
    const cp = gpt2(tiny);
    const f = path.join(dir, 'gpt2-tiny.gguf');
    writeGguf(f, cp.kv, cp.tensors);
    const g = openGguf(f);
    const emb = g.tensors.get('token_embd.weight')!;
    const out = g.tensors.get('output.weight')!;
    const fill = (t: typeof emb, seed: number) => {
      const b = Buffer.alloc(t.bytes);
      for (let i = 0; i < b.length; i++) b[i] = (i * 31 + seed) & 0xff;
      const fd = openSync(f, 'r+');
      writeSync(fd, b, 0, b.length, t.offset);
      closeSync(fd);
    };
    fill(emb, 1);
    fill(out, 1);
    assert.deepEqual(readGgufAsHf(f).hf.copies, [{ name: 'output.weight', of: 'token_embd.weight' }]);
    fill(out, 2);
    const { hf } = readGgufAsHf(f);
    assert.deepEqual(hf.copies, []);
    assert.equal(hf.config.tie_word_embeddings, false);
    assert.ok(hf.tensors.some((t) => t.name === 'lm_head.weight'));
    assert.match(hf.warnings.join(' '), /output\.weight differs from token_embd\.weight/);
  });
});
