// GGUF headers for the other families, as convert_hf_to_gguf.py names them (gguf-py TENSOR_NAMES and
// each model class's set_gguf_parameters), from a Hugging Face config: qwen2, qwen3, qwen2moe,
// qwen3moe, gemma, gemma2, gptneox, falcon (7B and the new decoder architecture), bert (llama, mistral
// and mixtral: checkpoints.ts). Written name by
// name in llama.cpp's vocabulary — not derived from ModelLens' own mapping table.
import type { Kv, TensorIn } from './ggufWriter';
import { llamaFamily, type Checkpoint } from './checkpoints';

type Cfg = Record<string, any>;
const F = (name: string, ne: number[], type = ne.length === 1 ? 'F32' : 'Q8_0'): TensorIn => ({ name, ne, type });
const u32 = (key: string, value: number): Kv => ({ key, type: 'uint32', value });
const f32 = (key: string, value: number): Kv => ({ key, type: 'float32', value });
const str = (key: string, value: string): Kv => ({ key, type: 'string', value });

export function ggufOf(c: Cfg): Checkpoint {
  switch (c.model_type) {
    case 'qwen2':
    case 'qwen3':
    case 'gemma':
    case 'gemma2':
    case 'qwen2_moe':
    case 'qwen3_moe':
      return llamaLike(c);
    case 'gpt_neox':
      return neox(c);
    case 'falcon':
      return falcon(c);
    case 'bert':
      return bert(c);
    case 'llama':
    case 'mistral':
    case 'mixtral':
      return llamaFamily(c, String(c.model_type), 'Q4_K_M');
  }
  throw new Error(`no GGUF fixture for ${c.model_type}`);
}

function common(arch: string, c: Cfg, h: number, L: number, heads: number): Kv[] {
  return [
    str('general.architecture', arch),
    str('general.name', `${arch} test`),
    u32(`${arch}.block_count`, L),
    u32(`${arch}.context_length`, c.max_position_embeddings ?? 2048),
    u32(`${arch}.embedding_length`, h),
    u32(`${arch}.attention.head_count`, heads),
    { key: 'tokenizer.ggml.tokens', type: 'array', elementType: 'string', count: c.vocab_size, gen: (i) => `t${i}` },
  ];
}

function llamaLike(c: Cfg): Checkpoint {
  const arch = { qwen2: 'qwen2', qwen3: 'qwen3', gemma: 'gemma', gemma2: 'gemma2', qwen2_moe: 'qwen2moe', qwen3_moe: 'qwen3moe' }[c.model_type as string]!;
  const h = c.hidden_size;
  const L = c.num_hidden_layers;
  const heads = c.num_attention_heads;
  const kvh = c.num_key_value_heads ?? heads;
  const hd = c.head_dim ?? h / heads;
  const ff = c.intermediate_size;
  const V = c.vocab_size;
  const E = c.num_experts ?? 0;
  const gemma = arch.startsWith('gemma');
  const tied = c.tie_word_embeddings ?? gemma;
  const kv = [...common(arch, c, h, L, heads), u32(`${arch}.attention.head_count_kv`, kvh), u32(`${arch}.feed_forward_length`, ff), f32(`${arch}.attention.layer_norm_rms_epsilon`, 1e-6), f32(`${arch}.rope.freq_base`, 1e6)];
  if (c.head_dim) kv.push(u32(`${arch}.attention.key_length`, hd), u32(`${arch}.attention.value_length`, hd));
  if (arch === 'gemma2') kv.push(u32('gemma2.attention.sliding_window', c.sliding_window), f32('gemma2.attn_logit_softcapping', 50), f32('gemma2.final_logit_softcapping', 30));
  if (E) {
    kv.push(u32(`${arch}.expert_count`, E), u32(`${arch}.expert_used_count`, c.num_experts_per_tok), u32(`${arch}.expert_feed_forward_length`, c.moe_intermediate_size));
    if (c.shared_expert_intermediate_size) kv.push(u32(`${arch}.expert_shared_feed_forward_length`, c.shared_expert_intermediate_size));
  }
  const t: TensorIn[] = [F('token_embd.weight', [h, V])];
  const qwen2bias = arch === 'qwen2' || arch === 'qwen2moe';
  for (let i = 0; i < L; i++) {
    const p = `blk.${i}.`;
    t.push(F(p + 'attn_norm.weight', [h]));
    t.push(F(p + 'attn_q.weight', [h, heads * hd]), F(p + 'attn_k.weight', [h, kvh * hd]), F(p + 'attn_v.weight', [h, kvh * hd]));
    if (qwen2bias) t.push(F(p + 'attn_q.bias', [heads * hd]), F(p + 'attn_k.bias', [kvh * hd]), F(p + 'attn_v.bias', [kvh * hd]));
    if (arch.startsWith('qwen3')) t.push(F(p + 'attn_q_norm.weight', [hd]), F(p + 'attn_k_norm.weight', [hd]));
    t.push(F(p + 'attn_output.weight', [heads * hd, h]));
    if (arch === 'gemma2') t.push(F(p + 'post_attention_norm.weight', [h]));
    t.push(F(p + 'ffn_norm.weight', [h]));
    if (E) {
      const m = c.moe_intermediate_size;
      t.push(F(p + 'ffn_gate_inp.weight', [h, E]));
      t.push(F(p + 'ffn_gate_exps.weight', [h, m, E]), F(p + 'ffn_up_exps.weight', [h, m, E]), F(p + 'ffn_down_exps.weight', [m, h, E], 'F16'));
      if (c.shared_expert_intermediate_size) {
        const s = c.shared_expert_intermediate_size;
        t.push(F(p + 'ffn_gate_inp_shexp.weight', [h, 1], 'F32'));
        t.push(F(p + 'ffn_gate_shexp.weight', [h, s]), F(p + 'ffn_up_shexp.weight', [h, s]), F(p + 'ffn_down_shexp.weight', [s, h]));
      }
    } else t.push(F(p + 'ffn_gate.weight', [h, ff]), F(p + 'ffn_up.weight', [h, ff]), F(p + 'ffn_down.weight', [ff, h]));
    if (arch === 'gemma2') t.push(F(p + 'post_ffw_norm.weight', [h]));
  }
  t.push(F('output_norm.weight', [h]));
  if (!tied) t.push(F('output.weight', [h, V]));
  return { kv, tensors: t };
}

function neox(c: Cfg): Checkpoint {
  const h = c.hidden_size;
  const L = c.num_hidden_layers;
  const heads = c.num_attention_heads;
  const ff = c.intermediate_size;
  const kv = [...common('gptneox', c, h, L, heads), u32('gptneox.feed_forward_length', ff), u32('gptneox.rope.dimension_count', Math.round((c.rotary_pct ?? 1) * (h / heads))), { key: 'gptneox.use_parallel_residual', type: 'bool', value: c.use_parallel_residual ?? true } as Kv, f32('gptneox.attention.layer_norm_epsilon', 1e-5)];
  const t: TensorIn[] = [F('token_embd.weight', [h, c.vocab_size])];
  for (let i = 0; i < L; i++) {
    const p = `blk.${i}.`;
    t.push(F(p + 'attn_norm.weight', [h]), F(p + 'attn_norm.bias', [h]));
    t.push(F(p + 'attn_qkv.weight', [h, 3 * h]), F(p + 'attn_qkv.bias', [3 * h]), F(p + 'attn_output.weight', [h, h]), F(p + 'attn_output.bias', [h]));
    t.push(F(p + 'ffn_norm.weight', [h]), F(p + 'ffn_norm.bias', [h]));
    t.push(F(p + 'ffn_up.weight', [h, ff]), F(p + 'ffn_up.bias', [ff]), F(p + 'ffn_down.weight', [ff, h]), F(p + 'ffn_down.bias', [h]));
  }
  t.push(F('output_norm.weight', [h]), F('output_norm.bias', [h]), F('output.weight', [h, c.vocab_size]));
  return { kv, tensors: t };
}

function falcon(c: Cfg): Checkpoint {
  const h = c.hidden_size;
  const L = c.num_hidden_layers;
  const heads = c.num_attention_heads;
  const hd = h / heads;
  const newArch = !!c.new_decoder_architecture;
  const kvh = newArch ? c.num_kv_heads : c.multi_query ? 1 : heads;
  const ff = c.ffn_hidden_size ?? 4 * h;
  const kv = [...common('falcon', c, h, L, heads), u32('falcon.attention.head_count_kv', kvh), u32('falcon.feed_forward_length', ff), f32('falcon.attention.layer_norm_epsilon', 1e-5)];
  // falcon-7b's rows of 4544 are not whole K-quant blocks (256): Q8_0 (blocks of 32) as llama.cpp falls back to.
  const w = F;
  const t: TensorIn[] = [w('token_embd.weight', [h, c.vocab_size])];
  for (let i = 0; i < L; i++) {
    const p = `blk.${i}.`;
    t.push(w(p + 'attn_norm.weight', [h]), w(p + 'attn_norm.bias', [h]));
    if (newArch) t.push(w(p + 'attn_norm_2.weight', [h]), w(p + 'attn_norm_2.bias', [h]));
    t.push(w(p + 'attn_qkv.weight', [h, (heads + 2 * kvh) * hd]), w(p + 'attn_output.weight', [h, h]));
    t.push(w(p + 'ffn_up.weight', [h, ff]), w(p + 'ffn_down.weight', [ff, h]));
  }
  t.push(w('output_norm.weight', [h]), w('output_norm.bias', [h]));
  return { kv, tensors: t };
}

function bert(c: Cfg): Checkpoint {
  const h = c.hidden_size;
  const L = c.num_hidden_layers;
  const ff = c.intermediate_size;
  const kv = [...common('bert', c, h, L, c.num_attention_heads), u32('bert.feed_forward_length', ff), f32('bert.attention.layer_norm_epsilon', 1e-12), { key: 'bert.attention.causal', type: 'bool', value: false } as Kv, u32('bert.pooling_type', 2)];
  const t: TensorIn[] = [F('token_embd.weight', [h, c.vocab_size]), F('token_types.weight', [h, c.type_vocab_size], 'F32'), F('position_embd.weight', [h, c.max_position_embeddings]), F('token_embd_norm.weight', [h]), F('token_embd_norm.bias', [h])];
  for (let i = 0; i < L; i++) {
    const p = `blk.${i}.`;
    for (const x of ['attn_q', 'attn_k', 'attn_v', 'attn_output']) t.push(F(`${p}${x}.weight`, [h, h]), F(`${p}${x}.bias`, [h]));
    t.push(F(p + 'attn_output_norm.weight', [h]), F(p + 'attn_output_norm.bias', [h]));
    t.push(F(p + 'ffn_up.weight', [h, ff]), F(p + 'ffn_up.bias', [ff]), F(p + 'ffn_down.weight', [ff, h]), F(p + 'ffn_down.bias', [h]));
    t.push(F(p + 'layer_output_norm.weight', [h]), F(p + 'layer_output_norm.bias', [h]));
  }
  return { kv, tensors: t };
}
