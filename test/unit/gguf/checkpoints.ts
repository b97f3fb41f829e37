// GGUF headers of public checkpoints as llama.cpp's convert_hf_to_gguf.py writes them: metadata keys
// (`general.*`, `<arch>.*`, the tokenizer arrays) and tensor names/shapes in llama.cpp naming, built from
// the checkpoints' own config.json in ../shared/models/llm. Shapes are in ggml order (ne[0] = row =
// the HF weight's last dimension). Quantization mixes follow llama.cpp's llama_tensor_get_type for
// Q4_K_M (attn_v / ffn_down of the first and last eighths of the layers and every third layer in between
// in Q6_K, output.weight Q6_K, 1-D tensors F32, the rest Q4_K).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Kv, TensorIn } from './ggufWriter';

export const LLM_DIR = path.resolve(__dirname, '../../../../shared/models/llm');
export type Cfg = Record<string, unknown>;
export function config(folder: string): Cfg {
  const f = path.join(LLM_DIR, folder, 'config.json');
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as Cfg;
  } catch (e) {
    throw new Error(`test input missing: ${f} (${(e as Error).message})`);
  }
}
const num = (c: Cfg, k: string) => {
  const v = c[k];
  if (typeof v !== 'number') throw new Error(`config.json lacks ${k}`);
  return v;
};

export type Quant = 'F16' | 'Q4_K_M' | 'Q8_0' | ((name: string, layer: number, layers: number, ne: number[]) => string);

/** llama.cpp's `use_more_bits(i, n)`: the layers Q4_K_M gives more bits to. */
export function useMoreBits(i: number, n: number): boolean {
  return i < n / 8 || i >= (7 * n) / 8 || (i - Math.floor(n / 8)) % 3 === 2;
}

export function typeFor(q: Quant, name: string, layer: number, layers: number, ne: number[]): string {
  if (typeof q === 'function') return q(name, layer, layers, ne);
  if (ne.length === 1) return 'F32';
  if (q === 'F16') return 'F16';
  if (q === 'Q8_0') return 'Q8_0';
  if (name === 'output.weight') return 'Q6_K';
  if (/attn_v\.weight$|ffn_down(_exps)?\.weight$|attn_qkv\.weight$/.test(name) && useMoreBits(layer, layers)) return 'Q6_K';
  return 'Q4_K';
}

/** Tokenizer metadata as convert writes it: vocabulary, scores, token types (and merges for BPE). */
function tokenizer(model: 'llama' | 'gpt2', vocab: number): Kv[] {
  const kv: Kv[] = [
    { key: 'tokenizer.ggml.model', type: 'string', value: model },
    { key: 'tokenizer.ggml.tokens', type: 'array', elementType: 'string', count: vocab, gen: (i) => (i < 3 ? ['<unk>', '<s>', '</s>'][i] : `tok_${i.toString(36)}`) },
  ];
  if (model === 'llama') {
    kv.push({ key: 'tokenizer.ggml.scores', type: 'array', elementType: 'float32', count: vocab, gen: (i) => -i });
    kv.push({ key: 'tokenizer.ggml.token_type', type: 'array', elementType: 'int32', count: vocab, gen: (i) => (i < 3 ? 3 : 1) });
  } else {
    kv.push({ key: 'tokenizer.ggml.merges', type: 'array', elementType: 'string', count: 50000, gen: (i) => `m${i} ${i + 1}` });
  }
  kv.push({ key: 'tokenizer.ggml.bos_token_id', type: 'uint32', value: 1 });
  kv.push({ key: 'tokenizer.ggml.eos_token_id', type: 'uint32', value: 2 });
  return kv;
}

export interface Checkpoint {
  kv: Kv[];
  tensors: TensorIn[];
}

/** llama / mistral / mixtral: all `llama` in llama.cpp (Mistral and Mixtral convert as LlamaModel). */
export function llamaFamily(c: Cfg, name: string, q: Quant = 'Q4_K_M', o: { layers?: number; perExpertTensors?: boolean } = {}): Checkpoint {
  const h = num(c, 'hidden_size');
  const L = o.layers ?? num(c, 'num_hidden_layers');
  const heads = num(c, 'num_attention_heads');
  const kvh = (c.num_key_value_heads as number | undefined) ?? heads;
  const ff = num(c, 'intermediate_size');
  const vocab = num(c, 'vocab_size');
  const hd = (c.head_dim as number | undefined) ?? h / heads;
  const E = (c.num_local_experts as number | undefined) ?? 0;
  const kv: Kv[] = [
    { key: 'general.architecture', type: 'string', value: 'llama' },
    { key: 'general.type', type: 'string', value: 'model' },
    { key: 'general.name', type: 'string', value: name },
    { key: 'llama.vocab_size', type: 'uint32', value: vocab },
    { key: 'llama.context_length', type: 'uint32', value: num(c, 'max_position_embeddings') },
    { key: 'llama.embedding_length', type: 'uint32', value: h },
    { key: 'llama.block_count', type: 'uint32', value: L },
    { key: 'llama.feed_forward_length', type: 'uint32', value: ff },
    { key: 'llama.rope.dimension_count', type: 'uint32', value: hd },
    { key: 'llama.attention.head_count', type: 'uint32', value: heads },
    { key: 'llama.attention.head_count_kv', type: 'uint32', value: kvh },
    { key: 'llama.attention.layer_norm_rms_epsilon', type: 'float32', value: (c.rms_norm_eps as number | undefined) ?? 1e-5 },
    { key: 'llama.rope.freq_base', type: 'float32', value: (c.rope_theta as number | undefined) ?? 10000 },
    { key: 'general.file_type', type: 'uint32', value: q === 'F16' ? 1 : q === 'Q8_0' ? 7 : 15 },
  ];
  // LlamaModel.set_gguf_parameters: a head_dim override becomes key_length / value_length.
  if (c.head_dim !== undefined) {
    kv.push({ key: 'llama.attention.key_length', type: 'uint32', value: hd });
    kv.push({ key: 'llama.attention.value_length', type: 'uint32', value: hd });
  }
  if (E) {
    kv.push({ key: 'llama.expert_count', type: 'uint32', value: E });
    kv.push({ key: 'llama.expert_used_count', type: 'uint32', value: num(c, 'num_experts_per_tok') });
  }
  kv.push({ key: 'general.quantization_version', type: 'uint32', value: 2 });
  kv.push(...tokenizer('llama', vocab));
  const t: TensorIn[] = [];
  const add = (name: string, ne: number[], layer = 0) => t.push({ name, ne, type: typeFor(q, name, layer, L, ne) });
  add('token_embd.weight', [h, vocab]);
  for (let i = 0; i < L; i++) {
    const p = `blk.${i}.`;
    add(p + 'attn_norm.weight', [h], i);
    add(p + 'attn_q.weight', [h, heads * hd], i);
    add(p + 'attn_k.weight', [h, kvh * hd], i);
    add(p + 'attn_v.weight', [h, kvh * hd], i);
    add(p + 'attn_output.weight', [heads * hd, h], i);
    add(p + 'ffn_norm.weight', [h], i);
    if (E) {
      add(p + 'ffn_gate_inp.weight', [h, E], i);
      if (o.perExpertTensors) {
        for (let e = 0; e < E; e++) {
          add(`${p}ffn_gate.${e}.weight`, [h, ff], i);
          add(`${p}ffn_down.${e}.weight`, [ff, h], i);
          add(`${p}ffn_up.${e}.weight`, [h, ff], i);
        }
      } else {
        add(p + 'ffn_gate_exps.weight', [h, ff, E], i);
        add(p + 'ffn_down_exps.weight', [ff, h, E], i);
        add(p + 'ffn_up_exps.weight', [h, ff, E], i);
      }
    } else {
      add(p + 'ffn_gate.weight', [h, ff], i);
      add(p + 'ffn_up.weight', [h, ff], i);
      add(p + 'ffn_down.weight', [ff, h], i);
    }
  }
  add('output_norm.weight', [h]);
  if (!c.tie_word_embeddings) add('output.weight', [h, vocab]);
  return { kv, tensors: t };
}

/** GPT-2 (arch gpt2): fused qkv; convert writes output.weight as a copy of token_embd (tied in HF). */
export function gpt2(c: Cfg, q: Quant = 'F16'): Checkpoint {
  const h = num(c, 'n_embd');
  const L = num(c, 'n_layer');
  const vocab = num(c, 'vocab_size');
  const ctx = num(c, 'n_positions');
  const kv: Kv[] = [
    { key: 'general.architecture', type: 'string', value: 'gpt2' },
    { key: 'general.name', type: 'string', value: 'gpt2' },
    { key: 'gpt2.block_count', type: 'uint32', value: L },
    { key: 'gpt2.context_length', type: 'uint32', value: num(c, 'n_ctx') },
    { key: 'gpt2.embedding_length', type: 'uint32', value: h },
    { key: 'gpt2.feed_forward_length', type: 'uint32', value: 4 * h },
    { key: 'gpt2.attention.head_count', type: 'uint32', value: num(c, 'n_head') },
    { key: 'gpt2.attention.layer_norm_epsilon', type: 'float32', value: num(c, 'layer_norm_epsilon') },
    { key: 'general.file_type', type: 'uint32', value: 1 },
    ...tokenizer('gpt2', vocab),
  ];
  const t: TensorIn[] = [];
  const add = (name: string, ne: number[], layer = 0) => t.push({ name, ne, type: typeFor(q, name, layer, L, ne) });
  add('token_embd.weight', [h, vocab]);
  add('position_embd.weight', [h, ctx]);
  for (let i = 0; i < L; i++) {
    const p = `blk.${i}.`;
    add(p + 'attn_norm.weight', [h], i);
    add(p + 'attn_norm.bias', [h], i);
    add(p + 'attn_qkv.weight', [h, 3 * h], i);
    add(p + 'attn_qkv.bias', [3 * h], i);
    add(p + 'attn_output.weight', [h, h], i);
    add(p + 'attn_output.bias', [h], i);
    add(p + 'ffn_norm.weight', [h], i);
    add(p + 'ffn_norm.bias', [h], i);
    add(p + 'ffn_up.weight', [h, 4 * h], i);
    add(p + 'ffn_up.bias', [4 * h], i);
    add(p + 'ffn_down.weight', [4 * h, h], i);
    add(p + 'ffn_down.bias', [h], i);
  }
  add('output_norm.weight', [h]);
  add('output_norm.bias', [h]);
  add('output.weight', [h, vocab]);
  return { kv, tensors: t };
}

/** Phi-3 (arch phi3): fused qkv and gate_up; sliding window written as phi3.attention.sliding_window. */
export function phi3(c: Cfg, q: Quant = 'Q4_K_M'): Checkpoint {
  const h = num(c, 'hidden_size');
  const L = num(c, 'num_hidden_layers');
  const heads = num(c, 'num_attention_heads');
  const kvh = num(c, 'num_key_value_heads');
  const ff = num(c, 'intermediate_size');
  const vocab = num(c, 'vocab_size');
  const hd = h / heads;
  const kv: Kv[] = [
    { key: 'general.architecture', type: 'string', value: 'phi3' },
    { key: 'general.name', type: 'string', value: 'Phi 3 Mini 4k Instruct' },
    { key: 'phi3.context_length', type: 'uint32', value: num(c, 'max_position_embeddings') },
    { key: 'phi3.rope.scaling.original_context_length', type: 'uint32', value: num(c, 'original_max_position_embeddings') },
    { key: 'phi3.embedding_length', type: 'uint32', value: h },
    { key: 'phi3.feed_forward_length', type: 'uint32', value: ff },
    { key: 'phi3.block_count', type: 'uint32', value: L },
    { key: 'phi3.attention.head_count', type: 'uint32', value: heads },
    { key: 'phi3.attention.head_count_kv', type: 'uint32', value: kvh },
    { key: 'phi3.attention.layer_norm_rms_epsilon', type: 'float32', value: num(c, 'rms_norm_eps') },
    { key: 'phi3.rope.dimension_count', type: 'uint32', value: hd },
    { key: 'phi3.rope.freq_base', type: 'float32', value: num(c, 'rope_theta') },
    { key: 'general.file_type', type: 'uint32', value: 15 },
    { key: 'phi3.attention.sliding_window', type: 'uint32', value: num(c, 'sliding_window') },
    ...tokenizer('llama', vocab),
  ];
  const t: TensorIn[] = [];
  const add = (name: string, ne: number[], layer = 0) => t.push({ name, ne, type: typeFor(q, name, layer, L, ne) });
  add('token_embd.weight', [h, vocab]);
  for (let i = 0; i < L; i++) {
    const p = `blk.${i}.`;
    add(p + 'attn_norm.weight', [h], i);
    add(p + 'attn_qkv.weight', [h, (heads + 2 * kvh) * hd], i);
    add(p + 'attn_output.weight', [h, h], i);
    add(p + 'ffn_norm.weight', [h], i);
    add(p + 'ffn_up.weight', [h, 2 * ff], i);
    add(p + 'ffn_down.weight', [ff, h], i);
  }
  add('output_norm.weight', [h]);
  add('output.weight', [h, vocab]);
  return { kv, tensors: t };
}

/** Splits a checkpoint like gguf-split: shard i holds a slice of the tensors and split.* keys. */
export function split(cp: Checkpoint, n: number): Checkpoint[] {
  const per = Math.ceil(cp.tensors.length / n);
  const out: Checkpoint[] = [];
  for (let i = 0; i < n; i++) {
    const splitKv: Kv[] = [
      { key: 'split.no', type: 'uint16', value: i },
      { key: 'split.count', type: 'uint16', value: n },
      { key: 'split.tensors.count', type: 'int32', value: cp.tensors.length },
    ];
    out.push({ kv: i === 0 ? [...cp.kv, ...splitKv] : splitKv, tensors: cp.tensors.slice(i * per, (i + 1) * per) });
  }
  return out;
}
