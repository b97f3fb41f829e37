import type { TensorSpec } from './safetensorsWriter';

/**
 * The state_dict of a transformers checkpoint — names and shapes — written out per model class from
 * transformers' modeling code (nn.Linear weight [out, in], GPT-2 Conv1D [in, out], nn.Embedding
 * [vocab, hidden], RMSNorm weight [hidden], LayerNorm weight + bias). Independent of ModelLens'
 * family table: the tests compare what ModelLens builds against these lists and their element sums.
 */
type Cfg = Record<string, any>;

export function hfTensors(c: Cfg, dtype = 'BF16'): TensorSpec[] {
  const out: TensorSpec[] = [];
  const t = (name: string, ...shape: number[]) => out.push({ name, dtype, shape });
  const lin = (name: string, o: number, i: number, bias = false) => {
    t(`${name}.weight`, o, i);
    if (bias) t(`${name}.bias`, o);
  };
  const ln = (name: string, n: number) => {
    t(`${name}.weight`, n);
    t(`${name}.bias`, n);
  };
  const H = c.hidden_size ?? c.n_embd;
  const L = c.num_hidden_layers ?? c.n_layer;
  const nH = c.num_attention_heads ?? c.n_head;
  const V = c.vocab_size;
  const mt = c.model_type;

  if (mt === 'gpt2') {
    const I = c.n_inner ?? 4 * H;
    t('wte.weight', V, H);
    t('wpe.weight', c.n_positions, H);
    for (let i = 0; i < L; i++) {
      const p = `h.${i}`;
      ln(`${p}.ln_1`, H);
      t(`${p}.attn.c_attn.weight`, H, 3 * H);
      t(`${p}.attn.c_attn.bias`, 3 * H);
      t(`${p}.attn.c_proj.weight`, H, H);
      t(`${p}.attn.c_proj.bias`, H);
      ln(`${p}.ln_2`, H);
      t(`${p}.mlp.c_fc.weight`, H, I);
      t(`${p}.mlp.c_fc.bias`, I);
      t(`${p}.mlp.c_proj.weight`, I, H);
      t(`${p}.mlp.c_proj.bias`, H);
    }
    ln('ln_f', H);
    return out;
  }
  if (mt === 'gpt_neox') {
    const I = c.intermediate_size;
    t('gpt_neox.embed_in.weight', V, H);
    for (let i = 0; i < L; i++) {
      const p = `gpt_neox.layers.${i}`;
      ln(`${p}.input_layernorm`, H);
      ln(`${p}.post_attention_layernorm`, H);
      lin(`${p}.attention.query_key_value`, 3 * H, H, true);
      lin(`${p}.attention.dense`, H, H, true);
      lin(`${p}.mlp.dense_h_to_4h`, I, H, true);
      lin(`${p}.mlp.dense_4h_to_h`, H, I, true);
    }
    ln('gpt_neox.final_layer_norm', H);
    t('embed_out.weight', V, H);
    return out;
  }
  if (mt === 'falcon') {
    const hd = H / nH;
    const kv = c.new_decoder_architecture ? c.num_kv_heads : c.multi_query ? 1 : nH;
    t('transformer.word_embeddings.weight', V, H);
    for (let i = 0; i < L; i++) {
      const p = `transformer.h.${i}`;
      if (c.new_decoder_architecture) {
        ln(`${p}.ln_attn`, H);
        ln(`${p}.ln_mlp`, H);
      } else ln(`${p}.input_layernorm`, H);
      lin(`${p}.self_attention.query_key_value`, (nH + 2 * kv) * hd, H, c.bias);
      lin(`${p}.self_attention.dense`, H, H, c.bias);
      lin(`${p}.mlp.dense_h_to_4h`, c.ffn_hidden_size ?? 4 * H, H, c.bias);
      lin(`${p}.mlp.dense_4h_to_h`, H, c.ffn_hidden_size ?? 4 * H, c.bias);
    }
    ln('transformer.ln_f', H);
    return out;
  }
  if (mt === 'bert') {
    const I = c.intermediate_size;
    t('embeddings.word_embeddings.weight', V, H);
    t('embeddings.position_embeddings.weight', c.max_position_embeddings, H);
    t('embeddings.token_type_embeddings.weight', c.type_vocab_size, H);
    ln('embeddings.LayerNorm', H);
    for (let i = 0; i < L; i++) {
      const p = `encoder.layer.${i}`;
      lin(`${p}.attention.self.query`, H, H, true);
      lin(`${p}.attention.self.key`, H, H, true);
      lin(`${p}.attention.self.value`, H, H, true);
      lin(`${p}.attention.output.dense`, H, H, true);
      ln(`${p}.attention.output.LayerNorm`, H);
      lin(`${p}.intermediate.dense`, I, H, true);
      lin(`${p}.output.dense`, H, I, true);
      ln(`${p}.output.LayerNorm`, H);
    }
    lin('pooler.dense', H, H, true);
    return out;
  }

  // Llama-style decoders: llama, mistral, mixtral, qwen2(_moe), qwen3(_moe), gemma(2), phi3.
  const kv = c.num_key_value_heads ?? nH;
  const hd = c.head_dim ?? H / nH;
  const I = c.intermediate_size;
  const qkvBias = mt === 'qwen2' || mt === 'qwen2_moe' || !!c.attention_bias;
  const tied = c.tie_word_embeddings ?? (mt === 'gemma' || mt === 'gemma2');
  t('model.embed_tokens.weight', V, H);
  for (let i = 0; i < L; i++) {
    const p = `model.layers.${i}`;
    t(`${p}.input_layernorm.weight`, H);
    t(`${p}.post_attention_layernorm.weight`, H);
    if (mt === 'gemma2') {
      t(`${p}.pre_feedforward_layernorm.weight`, H);
      t(`${p}.post_feedforward_layernorm.weight`, H);
    }
    if (mt === 'phi3') lin(`${p}.self_attn.qkv_proj`, (nH + 2 * kv) * hd, H);
    else {
      lin(`${p}.self_attn.q_proj`, nH * hd, H, qkvBias);
      lin(`${p}.self_attn.k_proj`, kv * hd, H, qkvBias);
      lin(`${p}.self_attn.v_proj`, kv * hd, H, qkvBias);
    }
    lin(`${p}.self_attn.o_proj`, H, nH * hd, !!c.attention_bias && mt === 'llama');
    if (mt === 'qwen3' || mt === 'qwen3_moe') {
      t(`${p}.self_attn.q_norm.weight`, hd);
      t(`${p}.self_attn.k_norm.weight`, hd);
    }
    const sparse = (mt === 'qwen2_moe' || mt === 'qwen3_moe') && !(c.mlp_only_layers ?? []).includes(i) && (i + 1) % (c.decoder_sparse_step ?? 1) === 0;
    if (mt === 'mixtral') {
      lin(`${p}.block_sparse_moe.gate`, c.num_local_experts, H);
      for (let j = 0; j < c.num_local_experts; j++) {
        lin(`${p}.block_sparse_moe.experts.${j}.w1`, I, H);
        lin(`${p}.block_sparse_moe.experts.${j}.w2`, H, I);
        lin(`${p}.block_sparse_moe.experts.${j}.w3`, I, H);
      }
    } else if (sparse) {
      const E = c.moe_intermediate_size;
      lin(`${p}.mlp.gate`, c.num_experts, H);
      for (let j = 0; j < c.num_experts; j++) {
        lin(`${p}.mlp.experts.${j}.gate_proj`, E, H);
        lin(`${p}.mlp.experts.${j}.up_proj`, E, H);
        lin(`${p}.mlp.experts.${j}.down_proj`, H, E);
      }
      if (mt === 'qwen2_moe') {
        const S = c.shared_expert_intermediate_size;
        lin(`${p}.mlp.shared_expert.gate_proj`, S, H);
        lin(`${p}.mlp.shared_expert.up_proj`, S, H);
        lin(`${p}.mlp.shared_expert.down_proj`, H, S);
        lin(`${p}.mlp.shared_expert_gate`, 1, H);
      }
    } else if (mt === 'phi3') {
      lin(`${p}.mlp.gate_up_proj`, 2 * I, H);
      lin(`${p}.mlp.down_proj`, H, I);
    } else {
      lin(`${p}.mlp.gate_proj`, I, H, !!c.mlp_bias);
      lin(`${p}.mlp.up_proj`, I, H, !!c.mlp_bias);
      lin(`${p}.mlp.down_proj`, H, I, !!c.mlp_bias);
    }
  }
  t('model.norm.weight', H);
  if (!tied) t('lm_head.weight', V, H);
  return out;
}

export function elements(ts: TensorSpec[]): number {
  return ts.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
}
