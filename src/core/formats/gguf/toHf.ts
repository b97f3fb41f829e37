import { ModelError } from '../../errors';
import type { LazyTensor } from '../../ir/tensor';
import { printable } from '../modelFiles';
import { GGUF_ONLY, ggufFamily, type GgufFamily, type TensorRule } from './families';
import { kvBool, kvNumbers, kvNumber, kvString, type GgufTensorInfo, type GgufValue } from './header';

/**
 * GGUF metadata + tensor infos → what a Hugging Face checkpoint of the same model holds: a
 * config.json-like object (the keys the family's config.json uses) and the tensors under their HF
 * names, dims in HF order, as lazy file ranges with the ggml storage (`stored: { type, bytes }`). The
 * config.json builder then makes the one decoder graph from it, whatever the file was.
 *
 * Pure: no file access (`sameData` is how the caller lets it compare two tensors' bytes).
 */
export interface GgufAsHf {
  /** `general.architecture`. */
  architecture: string;
  /** config.json-like; `model_type` is the HF family (llama, mixtral, gpt2, phi3, ...). */
  config: Record<string, unknown>;
  /** Tensors under HF names (stacked experts split per expert), in file order. */
  tensors: LazyTensor[];
  /** llama.cpp-only tensors (rotary tables): located, not parameters. */
  extra: LazyTensor[];
  /** GGUF names with no HF counterpart in the family table (kept under their GGUF names in `tensors`). */
  unmapped: string[];
  /** A stored copy counted once (GPT-2's output.weight = token_embd.weight). */
  copies: { name: string; of: string }[];
  /** Bytes as stored, by ggml type, over every tensor of the file(s), copies included. */
  storedBytesByType: Map<string, number>;
  warnings: string[];
}

export interface ToHfOptions {
  /** Compares the data of two tensors (sampled); undefined = cannot tell. */
  sameData?: (a: GgufTensorInfo, b: GgufTensorInfo) => boolean | undefined;
}

type Kv = ReadonlyMap<string, GgufValue>;

export function ggufToHf(kv: Kv, tensorList: Iterable<GgufTensorInfo>, o: ToHfOptions = {}): GgufAsHf {
  const tensors = [...tensorList];
  const arch = kvString(kv, 'general.architecture');
  if (!arch) throw new ModelError('GGUF metadata has no general.architecture: not a model file llama.cpp could load');
  const fam = ggufFamily(arch);
  const warnings: string[] = [];
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const storedBytesByType = new Map<string, number>();
  for (const t of tensors) storedBytesByType.set(t.type.name, (storedBytesByType.get(t.type.name) ?? 0) + t.bytes);

  // LoRA adapters, multimodal projectors, vocabulary-only files: not a model of the family.
  const kind = kv.get('general.type');
  const notModel = kind?.type === 'string' && kind.value !== 'model' ? String(kind.value) : undefined;
  if (!fam || notModel) {
    warnings.push(notModel ? `this GGUF file is of type "${printable(notModel)}", not a model: tensors are shown under their GGUF names` : `GGUF architecture "${printable(arch)}" has no family entry: tensors are shown under their GGUF names`);
    let numbers: Record<string, unknown> = {};
    try {
      numbers = hyper(kv, arch, byName, 'llama');
    } catch {
      // An unknown architecture need not have the llama-style keys (clip.vision.block_count, ...).
    }
    return {
      architecture: arch,
      config: { ...numbers, model_type: notModel ? `${arch}-${notModel}` : arch },
      tensors: tensors.map((t) => lazy(t, t.name, false)),
      extra: [],
      unmapped: tensors.map((t) => t.name),
      copies: [],
      storedBytesByType,
      warnings,
    };
  }

  const copies: { name: string; of: string }[] = [];
  const out: LazyTensor[] = [];
  const extra: LazyTensor[] = [];
  const unmapped: string[] = [];
  const emb = byName.get('token_embd.weight');
  const output = byName.get('output.weight');
  let tied = !output;
  if (output && emb && fam.outputIsCopy && sameShape(output, emb)) {
    const same = o.sameData?.(output, emb);
    if (same === false) warnings.push('output.weight differs from token_embd.weight although this family ties them: both are counted');
    else {
      tied = true;
      copies.push({ name: 'output.weight', of: 'token_embd.weight' });
    }
  }
  const falconNewArch = arch === 'falcon' && tensors.some((t) => /^blk\.\d+\.attn_norm_2\./.test(t.name));

  for (const t of tensors) {
    if (tied && t === output) continue;
    const m = resolve(fam, t.name);
    if (m === 'gguf-only') {
      extra.push(lazy(t, t.name, false));
      continue;
    }
    if (!m) {
      unmapped.push(t.name);
      out.push(lazy(t, t.name, false));
      continue;
    }
    let hf = m.hf;
    if (falconNewArch) hf = hf.replace('.input_layernorm', '.ln_attn');
    if (m.rule.experts) out.push(...splitExperts(t, hf, m.rule));
    else out.push(lazy(t, hf, !!m.rule.keepOrder));
  }
  if (unmapped.length) warnings.push(`${unmapped.length} GGUF tensor(s) not in the ${arch} family table, shown under their GGUF names: ${unmapped.slice(0, 5).map((n) => printable(n)).join(', ')}${unmapped.length > 5 ? ', …' : ''}`);
  if (copies.length) warnings.push('output.weight is a stored copy of token_embd.weight (the model ties them): its parameters are counted once');

  const config: Record<string, unknown> = { ...fam.fixed, ...hyper(kv, arch, byName, fam.keys), ...biases(fam, tensors), tie_word_embeddings: tied };
  const experts = config.num_local_experts ?? config.num_experts;
  const modelType = experts && fam.moeModelType ? fam.moeModelType : fam.modelType;
  return {
    architecture: arch,
    config: { model_type: modelType, architectures: [modelType === 'mixtral' ? 'MixtralForCausalLM' : fam.hfClass], ...config },
    tensors: out,
    extra,
    unmapped,
    copies,
    storedBytesByType,
    warnings,
  };
}

/** Bias flags the family's config.json states, from the tensors the file holds (Qwen2 q/k/v, Falcon, NeoX). */
function biases(fam: GgufFamily, tensors: readonly GgufTensorInfo[]): Record<string, boolean> {
  const has = (re: RegExp) => tensors.some((t) => re.test(t.name));
  const attn = has(/^blk\.\d+\.attn_(q|qkv)\.bias$/);
  switch (fam.keys) {
    case 'llama':
      return { attention_bias: attn && has(/^blk\.\d+\.attn_output\.bias$/), mlp_bias: has(/^blk\.\d+\.ffn_(up|down)\.bias$/), ...(fam.modelType.startsWith('qwen2') ? { qkv_bias: attn } : {}) };
    case 'falcon':
      return { bias: attn };
    case 'gptneox':
      return { attention_bias: attn };
    default:
      return {};
  }
}

/** GGUF name → the family's HF name, or 'gguf-only' for llama.cpp's rotary tables. */
function resolve(fam: GgufFamily, name: string): { hf: string; rule: TensorRule } | 'gguf-only' | undefined {
  const suf = /\.(weight|bias)$/.exec(name);
  const suffix = suf ? suf[0] : '';
  const base = suf ? name.slice(0, -suffix.length) : name;
  const b = /^blk\.(\d+)\.(.+)$/.exec(base);
  if (!b) {
    if (GGUF_ONLY.has(base)) return 'gguf-only';
    const rule = fam.global[base];
    return rule ? { hf: rule.hf + suffix, rule } : undefined;
  }
  const layer = b[1];
  let part = b[2];
  let expert: string | undefined;
  const e = /^(.+)\.(\d+)$/.exec(part);
  if (e) {
    part = `${e[1]}.{E}`;
    expert = e[2];
  }
  if (GGUF_ONLY.has(part)) return 'gguf-only';
  const rule = fam.block[part];
  if (!rule) return undefined;
  let hf = rule.hf.replace('{N}', String(Number(layer)));
  if (expert !== undefined) hf = hf.replace('{E}', String(Number(expert)));
  return { hf: hf + suffix, rule };
}

function sameShape(a: GgufTensorInfo, b: GgufTensorInfo): boolean {
  return a.type === b.type && a.ne.length === b.ne.length && a.ne.every((d, i) => d === b.ne[i]);
}

function lazy(t: GgufTensorInfo, name: string, keepOrder: boolean): LazyTensor {
  const dims = keepOrder ? [...t.ne] : [...t.ne].reverse();
  return {
    name,
    dtype: t.type.dtype,
    dims,
    source: { kind: 'file', path: t.file, offset: t.offset, length: t.bytes },
    ...(t.type.quantized ? { stored: { type: t.type.name, bytes: t.bytes } } : {}),
  };
}

/** ne = [cols, rows, E] (E outermost, so each expert's bytes are contiguous) → E tensors [rows, cols]. */
function splitExperts(t: GgufTensorInfo, hf: string, rule: TensorRule): LazyTensor[] {
  if (t.ne.length !== 3 || t.ne[2] < 1) throw new ModelError(`GGUF tensor "${printable(t.name)}" should be [in, out, experts] but is [${t.ne.join(', ')}]`);
  const E = t.ne[2];
  const per = t.bytes / E;
  const out: LazyTensor[] = [];
  for (let e = 0; e < E; e++) {
    const one: GgufTensorInfo = { ...t, ne: [t.ne[0], t.ne[1]], elements: t.elements / E, offset: t.offset + e * per, bytes: per };
    out.push(lazy(one, hf.replace('{E}', String(e)), !!rule.keepOrder));
  }
  return out;
}

/** Hyper-parameters from `<arch>.*` metadata, under the family's config.json key names. */
function hyper(kv: Kv, arch: string, byName: ReadonlyMap<string, GgufTensorInfo>, keys: GgufFamily['keys']): Record<string, unknown> {
  const a = (k: string) => `${arch}.${k}`;
  const n = (k: string) => kvNumber(kv, a(k));
  const layers = n('block_count');
  const hidden = n('embedding_length');
  const heads = perLayer(kv, a('attention.head_count'));
  const kvHeads = perLayer(kv, a('attention.head_count_kv'));
  const ff = perLayer(kv, a('feed_forward_length'));
  const ctx = n('context_length');
  const keyLen = n('attention.key_length');
  const emb = byName.get('token_embd.weight');
  const tokens = kv.get('tokenizer.ggml.tokens');
  const vocab = n('vocab_size') ?? (tokens?.type === 'array' ? tokens.count : undefined) ?? (emb && emb.ne.length === 2 ? emb.ne[1] : undefined);
  const rmsEps = n('attention.layer_norm_rms_epsilon');
  const lnEps = n('attention.layer_norm_epsilon');
  const ropeDim = n('rope.dimension_count');
  const headDim = keyLen ?? (hidden !== undefined && heads ? hidden / heads : undefined);
  const window = n('attention.sliding_window');
  const experts = n('expert_count');
  const used = n('expert_used_count');
  if (layers === undefined || hidden === undefined) throw new ModelError(`GGUF metadata lacks ${arch}.block_count or ${arch}.embedding_length: cannot build the ${printable(arch)} model`);

  const c: Record<string, unknown> = {};
  const set = (k: string, v: unknown) => {
    if (v !== undefined) c[k] = v;
  };
  switch (keys) {
    case 'gpt2':
      set('n_layer', layers);
      set('n_embd', hidden);
      set('n_head', heads);
      set('n_positions', ctx);
      set('n_ctx', ctx);
      set('n_inner', ff !== undefined && ff !== 4 * hidden ? ff : null);
      set('layer_norm_epsilon', lnEps);
      set('vocab_size', vocab);
      return c;
    case 'bert': {
      const types = byName.get('token_types.weight');
      set('hidden_size', hidden);
      set('num_hidden_layers', layers);
      set('num_attention_heads', heads);
      set('intermediate_size', ff);
      set('max_position_embeddings', ctx);
      set('type_vocab_size', types && types.ne.length === 2 ? types.ne[1] : undefined);
      set('layer_norm_eps', lnEps);
      set('vocab_size', vocab);
      return c;
    }
    case 'falcon':
      set('hidden_size', hidden);
      set('num_hidden_layers', layers);
      set('num_attention_heads', heads);
      set('num_kv_heads', kvHeads ?? heads);
      set('multi_query', kvHeads === 1);
      set('new_decoder_architecture', [...byName.keys()].some((k) => /^blk\.\d+\.attn_norm_2\./.test(k)));
      set('ffn_hidden_size', ff);
      set('max_position_embeddings', ctx);
      set('layer_norm_epsilon', lnEps);
      set('vocab_size', vocab);
      return c;
    case 'gptneox':
      set('hidden_size', hidden);
      set('num_hidden_layers', layers);
      set('num_attention_heads', heads);
      set('intermediate_size', ff);
      set('max_position_embeddings', ctx);
      set('rotary_pct', ropeDim !== undefined && headDim ? ropeDim / headDim : undefined);
      set('use_parallel_residual', kvBool(kv, a('use_parallel_residual')));
      set('layer_norm_eps', lnEps);
      set('vocab_size', vocab);
      return c;
    case 'llama':
      set('hidden_size', hidden);
      set('num_hidden_layers', layers);
      set('num_attention_heads', heads);
      set('num_key_value_heads', kvHeads ?? heads);
      set('intermediate_size', ff);
      set('vocab_size', vocab);
      set('max_position_embeddings', ctx);
      set('original_max_position_embeddings', n('rope.scaling.original_context_length'));
      // head_dim only when the file says it and it is not hidden / heads (Gemma 7B: 256 with 3072 / 16).
      if (keyLen !== undefined && heads && keyLen !== hidden / heads) set('head_dim', keyLen);
      set('rms_norm_eps', rmsEps);
      if (rmsEps === undefined) set('layer_norm_eps', lnEps);
      set('rope_theta', n('rope.freq_base'));
      if (ropeDim !== undefined && headDim && ropeDim !== headDim) set('partial_rotary_factor', ropeDim / headDim);
      // Phi-3 writes 0 for "no window" (Phi-4 models).
      set('sliding_window', window ? window : null);
      if (experts) {
        set(arch === 'llama' ? 'num_local_experts' : 'num_experts', experts);
        set('num_experts_per_tok', used);
        set('moe_intermediate_size', n('expert_feed_forward_length'));
        set('shared_expert_intermediate_size', n('expert_shared_feed_forward_length'));
      }
      return c;
  }
}

/**
 * A per-layer value (some files store head counts or FFN sizes as one entry per layer): the one value
 * when all layers agree; layers that differ are not a shape this mapping expresses.
 */
function perLayer(kv: Kv, key: string): number | undefined {
  const v = kvNumbers(kv, key);
  if (v === undefined || typeof v === 'number') return v;
  const nz = v.filter((x) => x > 0);
  if (nz.length === 0) return 0;
  if (nz.every((x) => x === nz[0])) return nz[0];
  throw new ModelError(`GGUF metadata ${printable(key)} differs between layers (${[...new Set(v)].slice(0, 4).join(', ')}…): per-layer sizes are not supported yet`, 'unsupported');
}
