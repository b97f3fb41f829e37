import type { LlmAttentionKind } from '../../ir/llm';
import { bool, int, ints, layerTypes, own, str, type HfConfig } from './config';

/**
 * One entry per Hugging Face `model_type`: how its checkpoint names tensors, how a block is laid out
 * (norm kind, residual form, attention projections, MLP kind, MoE) and which config fields say so.
 * The builder (build.ts) turns any entry into the same IR; GGUF maps its architectures onto these
 * entries too. Field names, shapes and defaults follow transformers' modeling_<type>.py and
 * configuration_<type>.py. Keyed by names from files, so the table is a Map.
 */

/** Numbers of one model, read from its config through the family's field names and defaults. */
export interface Spec {
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  vocab: number;
  maxContext?: number;
  positions?: number;
  typeVocab?: number;
  tied: boolean;
  act: Activation;
  attention: LlmAttentionKind[];
  qkvBias: boolean;
  oBias: boolean;
  mlpBias: boolean;
  /** Norm biases (LayerNorm with bias). */
  normBias: boolean;
  residual: 'pre' | 'sandwich' | 'parallel' | 'post';
  /** Parallel blocks: one norm feeds attention and MLP (falcon-7b) or two (gpt-neox, falcon-40b). */
  parallelNorms?: 1 | 2;
  kvFused?: 'qkv' | 'separate';
  moe?: MoeSpec;
  /** Gemma multiplies embeddings by sqrt(hidden). */
  scaleEmbeddings?: boolean;
  encoder?: boolean;
  /** Tensor names that depend on the config (falcon's new decoder architecture: ln_attn / ln_mlp). */
  names?: Partial<Naming>;
}

export interface MoeSpec {
  experts: number;
  topK: number;
  intermediate: number;
  sharedIntermediate?: number;
  sharedGate?: boolean;
  /** Per layer: routed experts (true) or the dense MLP (false). */
  layers: boolean[];
}

export type Activation = 'silu' | 'gelu' | 'gelu_tanh' | 'relu';

export interface Naming {
  /** Prepended to every name but `lmHead` in checkpoints saved from the base model class ("transformer.", "bert."). */
  altPrefix?: string;
  embed: string;
  position?: string;
  tokenType?: string;
  embedNorm?: string;
  /** Prefix of layer i, with `{i}`. */
  layer: string;
  finalNorm?: string;
  lmHead?: string;
  pooler?: string;
  /** Inside a layer. */
  attnNorm: string;
  mlpNorm?: string;
  postAttnNorm?: string;
  postMlpNorm?: string;
  q?: string;
  k?: string;
  v?: string;
  qkv?: string;
  o: string;
  qNorm?: string;
  kNorm?: string;
  /** Gated MLP (gate, up, down), fused gate+up (gateUp, down) or plain (fc, proj). */
  gate?: string;
  up?: string;
  down?: string;
  gateUp?: string;
  fc?: string;
  proj?: string;
  router?: string;
  /** Expert j's module, with `{j}`, and its three projections. */
  expert?: string;
  expertGate?: string;
  expertUp?: string;
  expertDown?: string;
  shared?: string;
  sharedGate?: string;
}

export interface FamilyEntry {
  naming: Naming;
  norm: 'rms' | 'layer';
  /** GPT-2's Conv1D stores weights [in, out]; nn.Linear stores [out, in]. */
  conv1d?: boolean;
  rotary: boolean;
  /** Tensors that are buffers, not parameters, in older checkpoints (causal masks, rotary tables). */
  buffers?: RegExp;
  spec(c: HfConfig): Spec;
}

function need(v: number | undefined, what: string): number {
  if (v === undefined || v <= 0) throw new SpecError(`config.json has no usable ${what}`);
  return v;
}

export class SpecError extends Error {
  constructor(message: string, readonly limit = false) {
    super(message);
  }
}

/** Above this many layers a config is not a real model; checked before anything is sized by it. */
export const MAX_LAYERS = 1024;

function act(c: HfConfig, key = 'hidden_act', dflt: Activation = 'silu'): Activation {
  const a = str(c, key) ?? str(c, 'hidden_activation');
  if (a === undefined) return dflt;
  if (a === 'silu' || a === 'swish') return 'silu';
  if (a === 'relu') return 'relu';
  if (a === 'gelu' || a === 'gelu_python' || a === 'quick_gelu') return 'gelu';
  if (a.startsWith('gelu')) return 'gelu_tanh';
  return dflt;
}

function full(n: number): LlmAttentionKind[] {
  return Array.from({ length: n }, () => ({ kind: 'full' as const }));
}

/** The llama-style numbers most decoders share (num_hidden_layers, hidden_size, GQA, head_dim override). */
function decoderBase(c: HfConfig, tiedDefault: boolean): Spec {
  const layers = need(int(c, 'num_hidden_layers', 'n_layer', 'num_layers'), 'num_hidden_layers');
  if (layers > MAX_LAYERS) throw new SpecError(`config.json declares ${layers} layers (limit ${MAX_LAYERS})`, true);
  const hidden = need(int(c, 'hidden_size', 'n_embd', 'd_model'), 'hidden_size');
  const heads = need(int(c, 'num_attention_heads', 'n_head'), 'num_attention_heads');
  const kvHeads = int(c, 'num_key_value_heads') ?? heads;
  if (kvHeads === 0 || heads % kvHeads !== 0) throw new SpecError(`num_key_value_heads ${kvHeads} does not divide num_attention_heads ${heads}`);
  const headDim = int(c, 'head_dim') ?? hidden / heads;
  if (!Number.isInteger(headDim) || headDim <= 0) throw new SpecError(`hidden_size ${hidden} is not a multiple of num_attention_heads ${heads} and the config gives no head_dim`);
  return {
    layers,
    hidden,
    heads,
    kvHeads,
    headDim,
    intermediate: int(c, 'intermediate_size', 'n_inner', 'ffn_hidden_size') ?? 4 * hidden,
    vocab: need(int(c, 'vocab_size'), 'vocab_size'),
    maxContext: int(c, 'max_position_embeddings', 'n_positions', 'n_ctx', 'seq_length'),
    tied: bool(c, 'tie_word_embeddings') ?? tiedDefault,
    act: act(c),
    attention: full(layers),
    qkvBias: false,
    oBias: false,
    mlpBias: false,
    normBias: false,
    residual: 'pre',
  };
}

/** `sliding_window` for every layer (mistral, phi3) unless the config lists `layer_types`. */
function slidingAll(c: HfConfig, s: Spec): void {
  const w = int(c, 'sliding_window');
  s.attention = layerTypes(c, s.layers, w) ?? (w ? s.attention.map(() => ({ kind: 'sliding', window: w })) : s.attention);
}

/** Qwen: a window only with `use_sliding_window`, and only on layers from `max_window_layers` on. */
function slidingQwen(c: HfConfig, s: Spec): void {
  const w = bool(c, 'use_sliding_window') ? int(c, 'sliding_window') : undefined;
  const from = int(c, 'max_window_layers') ?? s.layers;
  s.attention = layerTypes(c, s.layers, w) ?? s.attention.map((a, i) => (w && i >= from ? { kind: 'sliding', window: w } : a));
}

/** llama-style: attention_bias / mlp_bias flags (Llama, Yi, DeepSeek-R1 distills of Llama). */
function llamaBias(c: HfConfig, s: Spec): void {
  const ab = bool(c, 'attention_bias') ?? false;
  s.qkvBias = ab;
  s.oBias = ab;
  s.mlpBias = bool(c, 'mlp_bias') ?? false;
}

/** Which layers route to experts: every `decoder_sparse_step`-th, minus `mlp_only_layers`. */
function moeLayers(c: HfConfig, layers: number): boolean[] {
  const step = int(c, 'decoder_sparse_step') ?? 1;
  const dense = new Set(ints(c, 'mlp_only_layers') ?? []);
  return Array.from({ length: layers }, (_, i) => !dense.has(i) && step > 0 && (i + 1) % step === 0);
}

const LLAMA_NAMES: Naming = {
  embed: 'model.embed_tokens.weight',
  layer: 'model.layers.{i}.',
  finalNorm: 'model.norm',
  lmHead: 'lm_head.weight',
  attnNorm: 'input_layernorm',
  mlpNorm: 'post_attention_layernorm',
  q: 'self_attn.q_proj',
  k: 'self_attn.k_proj',
  v: 'self_attn.v_proj',
  o: 'self_attn.o_proj',
  gate: 'mlp.gate_proj',
  up: 'mlp.up_proj',
  down: 'mlp.down_proj',
};

const ROTARY_BUFFERS = /\.rotary_emb\.inv_freq$/;

const llama: FamilyEntry = {
  naming: LLAMA_NAMES,
  norm: 'rms',
  rotary: true,
  buffers: ROTARY_BUFFERS,
  spec(c) {
    const s = decoderBase(c, false);
    llamaBias(c, s);
    return s;
  },
};

const mistral: FamilyEntry = {
  ...llama,
  spec(c) {
    const s = decoderBase(c, false);
    slidingAll(c, s);
    return s;
  },
};

const mixtral: FamilyEntry = {
  naming: { ...LLAMA_NAMES, gate: undefined, up: undefined, down: undefined, router: 'block_sparse_moe.gate', expert: 'block_sparse_moe.experts.{j}', expertGate: 'w1', expertDown: 'w2', expertUp: 'w3' },
  norm: 'rms',
  rotary: true,
  buffers: ROTARY_BUFFERS,
  spec(c) {
    const s = decoderBase(c, false);
    slidingAll(c, s);
    s.moe = { experts: need(int(c, 'num_local_experts'), 'num_local_experts'), topK: need(int(c, 'num_experts_per_tok'), 'num_experts_per_tok'), intermediate: s.intermediate, layers: s.attention.map(() => true) };
    return s;
  },
};

const qwen2: FamilyEntry = {
  ...llama,
  spec(c) {
    const s = decoderBase(c, false);
    s.qkvBias = true;
    slidingQwen(c, s);
    return s;
  },
};

const QWEN_MOE_NAMES: Naming = { ...LLAMA_NAMES, router: 'mlp.gate', expert: 'mlp.experts.{j}', expertGate: 'gate_proj', expertUp: 'up_proj', expertDown: 'down_proj' };

const qwen2Moe: FamilyEntry = {
  naming: { ...QWEN_MOE_NAMES, shared: 'mlp.shared_expert', sharedGate: 'mlp.shared_expert_gate' },
  norm: 'rms',
  rotary: true,
  buffers: ROTARY_BUFFERS,
  spec(c) {
    const s = decoderBase(c, false);
    s.qkvBias = bool(c, 'qkv_bias') ?? true;
    slidingQwen(c, s);
    const shared = int(c, 'shared_expert_intermediate_size');
    s.moe = {
      experts: need(int(c, 'num_experts'), 'num_experts'),
      topK: need(int(c, 'num_experts_per_tok'), 'num_experts_per_tok'),
      intermediate: need(int(c, 'moe_intermediate_size'), 'moe_intermediate_size'),
      sharedIntermediate: shared || undefined,
      sharedGate: !!shared,
      layers: moeLayers(c, s.layers),
    };
    return s;
  },
};

const qwen3: FamilyEntry = {
  naming: { ...LLAMA_NAMES, qNorm: 'self_attn.q_norm', kNorm: 'self_attn.k_norm' },
  norm: 'rms',
  rotary: true,
  buffers: ROTARY_BUFFERS,
  spec(c) {
    const s = decoderBase(c, false);
    llamaBias(c, s);
    s.mlpBias = false;
    slidingQwen(c, s);
    return s;
  },
};

const qwen3Moe: FamilyEntry = {
  naming: { ...QWEN_MOE_NAMES, qNorm: 'self_attn.q_norm', kNorm: 'self_attn.k_norm' },
  norm: 'rms',
  rotary: true,
  buffers: ROTARY_BUFFERS,
  spec(c) {
    const s = decoderBase(c, false);
    llamaBias(c, s);
    s.mlpBias = false;
    slidingQwen(c, s);
    s.moe = {
      experts: need(int(c, 'num_experts'), 'num_experts'),
      topK: need(int(c, 'num_experts_per_tok'), 'num_experts_per_tok'),
      intermediate: need(int(c, 'moe_intermediate_size'), 'moe_intermediate_size'),
      layers: moeLayers(c, s.layers),
    };
    return s;
  },
};

const gemma: FamilyEntry = {
  ...llama,
  spec(c) {
    const s = decoderBase(c, true);
    s.act = act(c, 'hidden_activation', 'gelu_tanh');
    s.scaleEmbeddings = true;
    llamaBias(c, s);
    return s;
  },
};

const gemma2: FamilyEntry = {
  naming: { ...LLAMA_NAMES, mlpNorm: 'pre_feedforward_layernorm', postAttnNorm: 'post_attention_layernorm', postMlpNorm: 'post_feedforward_layernorm' },
  norm: 'rms',
  rotary: true,
  buffers: ROTARY_BUFFERS,
  spec(c) {
    const s = decoderBase(c, true);
    s.act = act(c, 'hidden_activation', 'gelu_tanh');
    s.scaleEmbeddings = true;
    s.residual = 'sandwich';
    llamaBias(c, s);
    // Gemma 2 alternates: even layers use the sliding window, odd layers attend to everything.
    const w = int(c, 'sliding_window') ?? 4096;
    s.attention = layerTypes(c, s.layers, w) ?? s.attention.map((a, i) => (i % 2 === 0 ? { kind: 'sliding', window: w } : a));
    return s;
  },
};

const phi3: FamilyEntry = {
  naming: { ...LLAMA_NAMES, q: undefined, k: undefined, v: undefined, qkv: 'self_attn.qkv_proj', gate: undefined, up: undefined, gateUp: 'mlp.gate_up_proj' },
  norm: 'rms',
  rotary: true,
  buffers: ROTARY_BUFFERS,
  spec(c) {
    const s = decoderBase(c, false);
    s.kvFused = 'qkv';
    slidingAll(c, s);
    return s;
  },
};

const gpt2: FamilyEntry = {
  naming: {
    altPrefix: 'transformer.',
    embed: 'wte.weight',
    position: 'wpe.weight',
    layer: 'h.{i}.',
    finalNorm: 'ln_f',
    lmHead: 'lm_head.weight',
    attnNorm: 'ln_1',
    mlpNorm: 'ln_2',
    qkv: 'attn.c_attn',
    o: 'attn.c_proj',
    fc: 'mlp.c_fc',
    proj: 'mlp.c_proj',
  },
  norm: 'layer',
  conv1d: true,
  rotary: false,
  // Causal-mask buffers that old checkpoints stored (not parameters).
  buffers: /\.attn\.(bias|masked_bias)$/,
  spec(c) {
    const s = decoderBase(c, true);
    s.positions = need(int(c, 'n_positions', 'max_position_embeddings'), 'n_positions');
    s.act = act(c, 'activation_function', 'gelu_tanh');
    s.kvFused = 'qkv';
    s.qkvBias = s.oBias = s.mlpBias = s.normBias = true;
    return s;
  },
};

const gptNeox: FamilyEntry = {
  naming: {
    embed: 'gpt_neox.embed_in.weight',
    layer: 'gpt_neox.layers.{i}.',
    finalNorm: 'gpt_neox.final_layer_norm',
    lmHead: 'embed_out.weight',
    attnNorm: 'input_layernorm',
    mlpNorm: 'post_attention_layernorm',
    qkv: 'attention.query_key_value',
    o: 'attention.dense',
    fc: 'mlp.dense_h_to_4h',
    proj: 'mlp.dense_4h_to_h',
  },
  norm: 'layer',
  rotary: true,
  buffers: /\.attention\.(bias|masked_bias|rotary_emb\.inv_freq)$/,
  spec(c) {
    const s = decoderBase(c, false);
    s.act = act(c, 'hidden_act', 'gelu');
    s.kvFused = 'qkv';
    const b = bool(c, 'attention_bias') ?? true;
    s.qkvBias = s.oBias = b;
    s.mlpBias = s.normBias = true;
    s.residual = (bool(c, 'use_parallel_residual') ?? true) ? 'parallel' : 'pre';
    s.parallelNorms = 2;
    return s;
  },
};

const falcon: FamilyEntry = {
  naming: {
    embed: 'transformer.word_embeddings.weight',
    layer: 'transformer.h.{i}.',
    finalNorm: 'transformer.ln_f',
    lmHead: 'lm_head.weight',
    attnNorm: 'input_layernorm',
    mlpNorm: 'post_attention_layernorm',
    qkv: 'self_attention.query_key_value',
    o: 'self_attention.dense',
    fc: 'mlp.dense_h_to_4h',
    proj: 'mlp.dense_4h_to_h',
  },
  norm: 'layer',
  rotary: true,
  spec(c) {
    const s = decoderBase(c, true);
    const newArch = bool(c, 'new_decoder_architecture') ?? false;
    // FalconConfig: kv heads are num_kv_heads with the new architecture, 1 with multi_query, else all heads.
    s.kvHeads = newArch ? int(c, 'num_kv_heads') ?? s.heads : (bool(c, 'multi_query') ?? true) ? 1 : s.heads;
    s.intermediate = int(c, 'ffn_hidden_size') ?? 4 * s.hidden;
    s.act = 'gelu';
    s.kvFused = 'qkv';
    const b = bool(c, 'bias') ?? false;
    s.qkvBias = s.oBias = s.mlpBias = b;
    s.normBias = true;
    if (newArch) {
      s.residual = 'parallel';
      s.parallelNorms = (int(c, 'num_ln_in_parallel_attn') ?? 2) === 2 ? 2 : 1;
      if (s.parallelNorms === 2) s.names = { attnNorm: 'ln_attn', mlpNorm: 'ln_mlp' };
    } else if (bool(c, 'parallel_attn') ?? true) {
      s.residual = 'parallel';
      s.parallelNorms = 1;
    }
    return s;
  },
};

const bert: FamilyEntry = {
  naming: {
    altPrefix: 'bert.',
    embed: 'embeddings.word_embeddings.weight',
    position: 'embeddings.position_embeddings.weight',
    tokenType: 'embeddings.token_type_embeddings.weight',
    embedNorm: 'embeddings.LayerNorm',
    layer: 'encoder.layer.{i}.',
    pooler: 'pooler.dense',
    attnNorm: 'attention.output.LayerNorm',
    mlpNorm: 'output.LayerNorm',
    q: 'attention.self.query',
    k: 'attention.self.key',
    v: 'attention.self.value',
    o: 'attention.output.dense',
    fc: 'intermediate.dense',
    proj: 'output.dense',
  },
  norm: 'layer',
  rotary: false,
  buffers: /^(bert\.)?embeddings\.position_ids$/,
  spec(c) {
    const s = decoderBase(c, false);
    s.act = act(c, 'hidden_act', 'gelu');
    s.positions = need(int(c, 'max_position_embeddings'), 'max_position_embeddings');
    s.typeVocab = int(c, 'type_vocab_size') ?? 2;
    s.qkvBias = s.oBias = s.mlpBias = s.normBias = true;
    s.residual = 'post';
    s.encoder = true;
    s.tied = false;
    s.attention = s.attention.map(() => ({ kind: 'none' }));
    return s;
  },
};

export const FAMILIES: ReadonlyMap<string, FamilyEntry> = new Map<string, FamilyEntry>([
  ['llama', llama],
  ['mistral', mistral],
  ['mixtral', mixtral],
  ['qwen2', qwen2],
  ['qwen2_moe', qwen2Moe],
  ['qwen3', qwen3],
  ['qwen3_moe', qwen3Moe],
  ['gemma', gemma],
  ['gemma2', gemma2],
  ['phi3', phi3],
  ['gpt2', gpt2],
  ['gpt_neox', gptNeox],
  ['falcon', falcon],
  ['bert', bert],
]);

export function familyOf(c: HfConfig): { modelType: string | undefined; entry: FamilyEntry | undefined } {
  const modelType = str(c, 'model_type');
  return { modelType, entry: modelType === undefined ? undefined : FAMILIES.get(modelType) };
}

export { own };
