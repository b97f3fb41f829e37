/**
 * Published config.json fields of checkpoints the five shared ones do not cover (other families,
 * biases, tied embeddings, head_dim overrides, MoE with shared experts), as on the Hugging Face Hub.
 * `published` is the parameter count the model card / paper gives, where one is published exactly.
 */
export const UNSEEN: { name: string; published?: number; config: Record<string, unknown> }[] = [
  {
    name: 'Meta-Llama-3-8B (llama, GQA 32/8, vocab 128256)',
    published: 8_030_261_248,
    config: { model_type: 'llama', hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8, vocab_size: 128256, max_position_embeddings: 8192, rope_theta: 500000.0, tie_word_embeddings: false, torch_dtype: 'bfloat16', hidden_act: 'silu' },
  },
  {
    name: 'Mistral-Nemo-Base-2407 (mistral, head_dim 128 × 32 ≠ hidden 5120)',
    published: 12_247_782_400,
    config: { model_type: 'mistral', hidden_size: 5120, intermediate_size: 14336, num_hidden_layers: 40, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 128, vocab_size: 131072, max_position_embeddings: 1024000, sliding_window: null, tie_word_embeddings: false, torch_dtype: 'bfloat16' },
  },
  {
    name: 'Qwen2-0.5B (qkv biases, tied embeddings, GQA 14/2)',
    published: 494_032_768,
    config: { model_type: 'qwen2', hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2, vocab_size: 151936, max_position_embeddings: 131072, max_window_layers: 24, sliding_window: 131072, use_sliding_window: false, tie_word_embeddings: true, torch_dtype: 'bfloat16', hidden_act: 'silu' },
  },
  {
    name: 'gemma-7b (head_dim 256 × 16 heads ≠ hidden 3072, tied)',
    published: 8_537_680_896,
    config: { model_type: 'gemma', hidden_size: 3072, intermediate_size: 24576, num_hidden_layers: 28, num_attention_heads: 16, num_key_value_heads: 16, head_dim: 256, vocab_size: 256000, max_position_embeddings: 8192, hidden_act: 'gelu', torch_dtype: 'bfloat16' },
  },
  {
    name: 'gemma-2-2b (sandwich norms, alternating sliding window)',
    config: { model_type: 'gemma2', hidden_size: 2304, intermediate_size: 9216, num_hidden_layers: 26, num_attention_heads: 8, num_key_value_heads: 4, head_dim: 256, vocab_size: 256000, max_position_embeddings: 8192, sliding_window: 4096, hidden_activation: 'gelu_pytorch_tanh', torch_dtype: 'float32' },
  },
  {
    name: 'Qwen3-0.6B (q/k norms, head_dim 128 × 16 ≠ 1024, tied)',
    config: { model_type: 'qwen3', hidden_size: 1024, intermediate_size: 3072, num_hidden_layers: 28, num_attention_heads: 16, num_key_value_heads: 8, head_dim: 128, vocab_size: 151936, max_position_embeddings: 40960, tie_word_embeddings: true, attention_bias: false, torch_dtype: 'bfloat16' },
  },
  {
    name: 'Qwen3-30B-A3B (128 experts, top-8)',
    config: { model_type: 'qwen3_moe', hidden_size: 2048, intermediate_size: 6144, moe_intermediate_size: 768, num_hidden_layers: 48, num_attention_heads: 32, num_key_value_heads: 4, head_dim: 128, num_experts: 128, num_experts_per_tok: 8, decoder_sparse_step: 1, mlp_only_layers: [], vocab_size: 151936, max_position_embeddings: 40960, tie_word_embeddings: false, torch_dtype: 'bfloat16' },
  },
  {
    name: 'Qwen1.5-MoE-A2.7B (60 experts top-4 + shared expert with gate)',
    config: { model_type: 'qwen2_moe', hidden_size: 2048, intermediate_size: 5632, moe_intermediate_size: 1408, shared_expert_intermediate_size: 5632, num_hidden_layers: 24, num_attention_heads: 16, num_key_value_heads: 16, num_experts: 60, num_experts_per_tok: 4, decoder_sparse_step: 1, vocab_size: 151936, max_position_embeddings: 8192, tie_word_embeddings: false, torch_dtype: 'bfloat16' },
  },
  {
    name: 'pythia-160m (gpt_neox, parallel residual, biases)',
    published: 162_322_944,
    config: { model_type: 'gpt_neox', hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, vocab_size: 50304, max_position_embeddings: 2048, rotary_pct: 0.25, use_parallel_residual: true, tie_word_embeddings: false, torch_dtype: 'float16' },
  },
  {
    name: 'falcon-7b (multi-query, parallel attention, tied)',
    published: 6_921_720_704,
    config: { model_type: 'falcon', hidden_size: 4544, num_hidden_layers: 32, num_attention_heads: 71, vocab_size: 65024, multi_query: true, parallel_attn: true, bias: false, new_decoder_architecture: false, torch_dtype: 'bfloat16' },
  },
  {
    name: 'falcon new decoder architecture (GQA 8 KV heads, ln_attn + ln_mlp), small',
    config: { model_type: 'falcon', hidden_size: 1024, num_hidden_layers: 4, num_attention_heads: 16, num_kv_heads: 8, vocab_size: 1000, new_decoder_architecture: true, bias: false, torch_dtype: 'bfloat16' },
  },
  {
    name: 'bert-base-uncased (encoder, BertModel with pooler)',
    published: 109_482_240,
    config: { model_type: 'bert', hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, vocab_size: 30522, max_position_embeddings: 512, type_vocab_size: 2, hidden_act: 'gelu' },
  },
];
