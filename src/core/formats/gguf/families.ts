/**
 * GGUF architectures (`general.architecture`, llama.cpp's LLM_ARCH names) mapped onto Hugging Face
 * families: the `model_type` the config.json path knows, and llama.cpp tensor names (gguf-py
 * TENSOR_NAMES, e.g. `blk.N.attn_q`) → the HF checkpoint names of that family. One entry per
 * architecture; everything keyed by names from a file is looked up in null-prototype tables or Maps.
 */

/** How a GGUF tensor becomes HF tensors. */
export interface TensorRule {
  /** HF name, `{N}` = layer, `{E}` = expert; `.weight` / `.bias` follow the GGUF name's suffix. */
  readonly hf: string;
  /**
   * HF keeps the ggml order (GPT-2's Conv1D stores weights [in, out], and convert transposes them on the
   * way to GGUF): the IR dims are ne as is, not reversed.
   */
  readonly keepOrder?: boolean;
  /** A stacked `*_exps` tensor (ne = [.., .., E]): one HF tensor per expert, `{E}` = 0..E-1. */
  readonly experts?: boolean;
}

export interface GgufFamily {
  /** HF `model_type`; `moeModelType` when the file has experts (llama → mixtral). */
  readonly modelType: string;
  readonly moeModelType?: string;
  /** HF class name written as `architectures` (informative). */
  readonly hfClass: string;
  /** HF config keys as the family's config.json spells them. */
  readonly keys: 'llama' | 'gpt2' | 'gptneox' | 'falcon' | 'bert';
  /** Tensors outside the blocks (token_embd, output, ...), by GGUF base name (without .weight/.bias). */
  readonly global: Readonly<Record<string, TensorRule>>;
  /** Tensors inside block N, by GGUF base name after `blk.N.` (without .weight/.bias). */
  readonly block: Readonly<Record<string, TensorRule>>;
  /**
   * The HF model ties lm_head to the embedding by construction and convert writes `output.weight` as a
   * stored copy of `token_embd.weight` (GPT-2): the copy is counted once.
   */
  readonly outputIsCopy?: boolean;
  /** config.json fields the family's checkpoints carry that GGUF has no key for (activation). */
  readonly fixed?: Readonly<Record<string, unknown>>;
}

const table = <T>(o: Record<string, T>): Readonly<Record<string, T>> => Object.freeze(Object.assign(Object.create(null) as Record<string, T>, o));
const r = (hf: string, o: Omit<TensorRule, 'hf'> = {}): TensorRule => ({ hf, ...o });

const LLAMA_GLOBAL = { token_embd: r('model.embed_tokens'), output_norm: r('model.norm'), output: r('lm_head') };
const LLAMA_ATTN = {
  attn_norm: r('model.layers.{N}.input_layernorm'),
  attn_q: r('model.layers.{N}.self_attn.q_proj'),
  attn_k: r('model.layers.{N}.self_attn.k_proj'),
  attn_v: r('model.layers.{N}.self_attn.v_proj'),
  attn_output: r('model.layers.{N}.self_attn.o_proj'),
  attn_q_norm: r('model.layers.{N}.self_attn.q_norm'),
  attn_k_norm: r('model.layers.{N}.self_attn.k_norm'),
  ffn_norm: r('model.layers.{N}.post_attention_layernorm'),
};
const LLAMA_MLP = {
  ffn_gate: r('model.layers.{N}.mlp.gate_proj'),
  ffn_up: r('model.layers.{N}.mlp.up_proj'),
  ffn_down: r('model.layers.{N}.mlp.down_proj'),
};
const QWEN_MOE = {
  ffn_gate_inp: r('model.layers.{N}.mlp.gate'),
  ffn_gate_exps: r('model.layers.{N}.mlp.experts.{E}.gate_proj', { experts: true }),
  ffn_up_exps: r('model.layers.{N}.mlp.experts.{E}.up_proj', { experts: true }),
  ffn_down_exps: r('model.layers.{N}.mlp.experts.{E}.down_proj', { experts: true }),
};

const FAMILIES: Readonly<Record<string, GgufFamily>> = table<GgufFamily>({
  // Llama 2/3, Mistral (convert writes MistralForCausalLM as llama) and Mixtral (llama + experts).
  llama: {
    modelType: 'llama',
    moeModelType: 'mixtral',
    hfClass: 'LlamaForCausalLM',
    keys: 'llama',
    global: table(LLAMA_GLOBAL),
    block: table({
      ...LLAMA_ATTN,
      ...LLAMA_MLP,
      ffn_gate_inp: r('model.layers.{N}.block_sparse_moe.gate'),
      ffn_gate_exps: r('model.layers.{N}.block_sparse_moe.experts.{E}.w1', { experts: true }),
      ffn_down_exps: r('model.layers.{N}.block_sparse_moe.experts.{E}.w2', { experts: true }),
      ffn_up_exps: r('model.layers.{N}.block_sparse_moe.experts.{E}.w3', { experts: true }),
      // Older GGUFs (before the _exps merge, 2024-04) store one tensor per expert: blk.N.ffn_gate.E.weight.
      'ffn_gate.{E}': r('model.layers.{N}.block_sparse_moe.experts.{E}.w1'),
      'ffn_down.{E}': r('model.layers.{N}.block_sparse_moe.experts.{E}.w2'),
      'ffn_up.{E}': r('model.layers.{N}.block_sparse_moe.experts.{E}.w3'),
    }),
  },
  qwen2: { modelType: 'qwen2', hfClass: 'Qwen2ForCausalLM', keys: 'llama', global: table(LLAMA_GLOBAL), block: table({ ...LLAMA_ATTN, ...LLAMA_MLP }) },
  qwen3: { modelType: 'qwen3', hfClass: 'Qwen3ForCausalLM', keys: 'llama', global: table(LLAMA_GLOBAL), block: table({ ...LLAMA_ATTN, ...LLAMA_MLP }) },
  qwen2moe: {
    modelType: 'qwen2_moe',
    hfClass: 'Qwen2MoeForCausalLM',
    keys: 'llama',
    global: table(LLAMA_GLOBAL),
    block: table({
      ...LLAMA_ATTN,
      ...QWEN_MOE,
      ffn_gate_inp_shexp: r('model.layers.{N}.mlp.shared_expert_gate'),
      ffn_gate_shexp: r('model.layers.{N}.mlp.shared_expert.gate_proj'),
      ffn_up_shexp: r('model.layers.{N}.mlp.shared_expert.up_proj'),
      ffn_down_shexp: r('model.layers.{N}.mlp.shared_expert.down_proj'),
    }),
  },
  qwen3moe: { modelType: 'qwen3_moe', hfClass: 'Qwen3MoeForCausalLM', keys: 'llama', global: table(LLAMA_GLOBAL), block: table({ ...LLAMA_ATTN, ...QWEN_MOE }) },
  gemma: { modelType: 'gemma', hfClass: 'GemmaForCausalLM', keys: 'llama', fixed: { hidden_activation: 'gelu_pytorch_tanh' }, global: table(LLAMA_GLOBAL), block: table({ ...LLAMA_ATTN, ...LLAMA_MLP }) },
  gemma2: {
    modelType: 'gemma2',
    hfClass: 'Gemma2ForCausalLM',
    keys: 'llama',
    fixed: { hidden_activation: 'gelu_pytorch_tanh' },
    global: table(LLAMA_GLOBAL),
    block: table({
      ...LLAMA_ATTN,
      ...LLAMA_MLP,
      post_attention_norm: r('model.layers.{N}.post_attention_layernorm'),
      ffn_norm: r('model.layers.{N}.pre_feedforward_layernorm'),
      post_ffw_norm: r('model.layers.{N}.post_feedforward_layernorm'),
    }),
  },
  phi3: {
    modelType: 'phi3',
    hfClass: 'Phi3ForCausalLM',
    keys: 'llama',
    global: table(LLAMA_GLOBAL),
    block: table({
      attn_norm: r('model.layers.{N}.input_layernorm'),
      attn_qkv: r('model.layers.{N}.self_attn.qkv_proj'),
      attn_output: r('model.layers.{N}.self_attn.o_proj'),
      ffn_norm: r('model.layers.{N}.post_attention_layernorm'),
      // llama.cpp keeps Phi-3's fused gate_up_proj as ffn_up (2 × intermediate rows).
      ffn_up: r('model.layers.{N}.mlp.gate_up_proj'),
      ffn_down: r('model.layers.{N}.mlp.down_proj'),
    }),
  },
  gpt2: {
    modelType: 'gpt2',
    hfClass: 'GPT2LMHeadModel',
    keys: 'gpt2',
    outputIsCopy: true,
    fixed: { activation_function: 'gelu_new' },
    global: table({ token_embd: r('wte'), position_embd: r('wpe'), output_norm: r('ln_f'), output: r('lm_head') }),
    block: table({
      attn_norm: r('h.{N}.ln_1'),
      attn_qkv: r('h.{N}.attn.c_attn', { keepOrder: true }),
      attn_output: r('h.{N}.attn.c_proj', { keepOrder: true }),
      ffn_norm: r('h.{N}.ln_2'),
      ffn_up: r('h.{N}.mlp.c_fc', { keepOrder: true }),
      ffn_down: r('h.{N}.mlp.c_proj', { keepOrder: true }),
    }),
  },
  gptneox: {
    modelType: 'gpt_neox',
    hfClass: 'GPTNeoXForCausalLM',
    keys: 'gptneox',
    fixed: { hidden_act: 'gelu' },
    global: table({ token_embd: r('gpt_neox.embed_in'), output_norm: r('gpt_neox.final_layer_norm'), output: r('embed_out') }),
    block: table({
      attn_norm: r('gpt_neox.layers.{N}.input_layernorm'),
      attn_qkv: r('gpt_neox.layers.{N}.attention.query_key_value'),
      attn_output: r('gpt_neox.layers.{N}.attention.dense'),
      ffn_norm: r('gpt_neox.layers.{N}.post_attention_layernorm'),
      ffn_up: r('gpt_neox.layers.{N}.mlp.dense_h_to_4h'),
      ffn_down: r('gpt_neox.layers.{N}.mlp.dense_4h_to_h'),
    }),
  },
  falcon: {
    modelType: 'falcon',
    hfClass: 'FalconForCausalLM',
    keys: 'falcon',
    global: table({ token_embd: r('transformer.word_embeddings'), output_norm: r('transformer.ln_f'), output: r('lm_head') }),
    block: table({
      // Falcon-7B has one norm per block (input_layernorm); the new decoder architecture (40B/180B) two,
      // which llama.cpp names attn_norm / attn_norm_2 and HF ln_attn / ln_mlp (renamed in toHf).
      attn_norm: r('transformer.h.{N}.input_layernorm'),
      attn_norm_2: r('transformer.h.{N}.ln_mlp'),
      attn_qkv: r('transformer.h.{N}.self_attention.query_key_value'),
      attn_output: r('transformer.h.{N}.self_attention.dense'),
      ffn_up: r('transformer.h.{N}.mlp.dense_h_to_4h'),
      ffn_down: r('transformer.h.{N}.mlp.dense_4h_to_h'),
    }),
  },
  bert: {
    modelType: 'bert',
    hfClass: 'BertModel',
    keys: 'bert',
    fixed: { hidden_act: 'gelu' },
    global: table({
      token_embd: r('embeddings.word_embeddings'),
      token_types: r('embeddings.token_type_embeddings'),
      position_embd: r('embeddings.position_embeddings'),
      token_embd_norm: r('embeddings.LayerNorm'),
    }),
    block: table({
      attn_q: r('encoder.layer.{N}.attention.self.query'),
      attn_k: r('encoder.layer.{N}.attention.self.key'),
      attn_v: r('encoder.layer.{N}.attention.self.value'),
      attn_output: r('encoder.layer.{N}.attention.output.dense'),
      attn_output_norm: r('encoder.layer.{N}.attention.output.LayerNorm'),
      ffn_up: r('encoder.layer.{N}.intermediate.dense'),
      ffn_down: r('encoder.layer.{N}.output.dense'),
      layer_output_norm: r('encoder.layer.{N}.output.LayerNorm'),
    }),
  },
});

/**
 * Tensors llama.cpp adds that are not parameters of the HF model (rotary tables computed from the
 * config): located and shown, not counted as parameters.
 */
export const GGUF_ONLY: ReadonlySet<string> = new Set(['rope_freqs', 'rope_factors_long', 'rope_factors_short']);

export function ggufFamily(arch: string): GgufFamily | undefined {
  return Object.prototype.hasOwnProperty.call(FAMILIES, arch) ? FAMILIES[arch] : undefined;
}

export function ggufArchitectures(): string[] {
  return Object.keys(FAMILIES);
}
