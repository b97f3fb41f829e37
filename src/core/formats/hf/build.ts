import { ModelError } from '../../errors';
import type { DType } from '../../ir/dtype';
import type { Model, ModelFormat } from '../../ir/graph';
import type { LlmInfo } from '../../ir/llm';
import type { LazyTensor } from '../../ir/tensor';
import { printable } from '../modelFiles';
import { weightDtype, type HfConfig } from './config';
import { FAMILIES, familyOf, MAX_LAYERS, SpecError, type FamilyEntry, type Naming, type Spec } from './families';
import { BATCH, GraphBuilder, SEQUENCE } from './graphBuilder';
import { estimatedQuantBytes, quantConfig, quantizedLinear, type QuantConfig } from './quant';
import { tensorView } from './tensorView';

export interface BuildOptions {
  /** The file the model was opened from (absolute path). */
  file?: string;
  format?: ModelFormat;
  /** What filled the config: a config.json, or GGUF metadata translated to config.json fields. */
  source?: LlmInfo['source'];
  metadata?: Record<string, string>;
  warnings?: string[];
}

/** Above this many experts a config is not a real model (and would build a huge graph). */
const MAX_EXPERTS = 1024;
const MAX_NAMED = 8;

/**
 * A Hugging Face config (or a config-like object another reader derived, e.g. from GGUF metadata)
 * → the IR: embeddings → N × decoder block → final norm → lm_head, with weights as initializers.
 *
 * `tensors`, when given, are the checkpoint's tensors keyed by their Hugging Face names (a GGUF
 * reader maps `blk.0.attn_q.weight` → `model.layers.0.self_attn.q_proj.weight` first). The graph is
 * then checked against them: missing, extra and mis-shaped tensors are warnings naming them, the
 * file's tensors are the initializers (so parameters are the tensors' own count), and a missing one
 * becomes a graph input of the config's shape (costed, not counted). Without `tensors` every weight
 * is an `absent` tensor of the config's shape and `torch_dtype`.
 *
 * An unknown `model_type` never throws: the result is a tensor view grouped by layer prefix with a
 * warning saying so (or, with no tensors, an empty graph and that warning).
 */
export function buildLlmModel(config: HfConfig, tensors?: Map<string, LazyTensor>, opts: BuildOptions = {}): Model {
  const { modelType, entry } = familyOf(config);
  const base = { file: opts.file ?? '', format: opts.format ?? 'hf-config', metadata: { ...(opts.metadata ?? {}) }, warnings: [...(opts.warnings ?? [])] } as const;
  if (!entry) {
    const why = modelType === undefined ? 'config.json has no "model_type"' : `model_type "${printable(modelType, 60)}" is not one ModelLens knows`;
    const shown = tensors && tensors.size > 0 ? 'the tensors are shown grouped by layer' : 'and no weights to show';
    return tensorView(tensors ?? new Map(), { ...base, warnings: [...base.warnings, `${why}: no compute graph; ${shown} (known types: ${[...FAMILIES.keys()].join(', ')})`] });
  }
  let spec: Spec;
  try {
    spec = entry.spec(config);
  } catch (e) {
    if (e instanceof SpecError) throw new ModelError(`${modelType}: ${e.message}`, e.limit ? 'limit' : 'invalid');
    throw e;
  }
  if (spec.layers > MAX_LAYERS) throw new ModelError(`config.json declares ${spec.layers} layers (limit ${MAX_LAYERS})`, 'limit');
  if (spec.moe && spec.moe.experts > MAX_EXPERTS) throw new ModelError(`config.json declares ${spec.moe.experts} experts (limit ${MAX_EXPERTS})`, 'limit');
  if (spec.moe && spec.moe.topK > spec.moe.experts) throw new ModelError(`config.json routes each token to ${spec.moe.topK} of ${spec.moe.experts} experts`);
  const b = new Builder(entry, spec, weightDtype(config), tensors, quantConfig(config));
  b.build();
  const warnings = [...base.warnings, ...b.report()];
  const llm: LlmInfo = {
    architecture: modelType!,
    layers: spec.layers,
    hiddenSize: spec.hidden,
    heads: spec.heads,
    kvHeads: spec.kvHeads,
    headDim: spec.headDim,
    vocab: spec.vocab,
    maxContext: spec.maxContext,
    attention: spec.attention,
    tiedEmbeddings: spec.tied,
    source: opts.source ?? 'config',
  };
  if (spec.moe) {
    llm.experts = spec.moe.experts;
    llm.expertsPerToken = spec.moe.topK;
    if (spec.moe.sharedIntermediate) llm.sharedExperts = 1;
  }
  if (spec.encoder) llm.encoder = true;
  return {
    format: base.format,
    file: base.file,
    graph: b.g.graph(modelType!),
    opsets: { '': 23, 'com.microsoft': 1 },
    producer: 'transformers config.json',
    metadata: base.metadata,
    warnings,
    llm,
  };
}

class Builder {
  readonly g = new GraphBuilder();
  private readonly n: Naming;
  private prefix = '';
  private consumed = new Set<string>();
  private missing: string[] = [];
  private misshaped: string[] = [];
  private notes: string[] = [];
  private rotary?: { cos: string; sin: string };
  private positionIds?: string;

  constructor(
    private readonly fam: FamilyEntry,
    private readonly s: Spec,
    private readonly dtype: DType,
    private readonly tensors: Map<string, LazyTensor> | undefined,
    private readonly quant: QuantConfig | undefined,
  ) {
    this.n = { ...fam.naming, ...(s.names ?? {}) };
    const alt = this.n.altPrefix;
    if (alt && tensors && !tensors.has(this.n.embed) && tensors.has(alt + this.n.embed)) this.prefix = alt;
    // Checkpoints saved from the base class (LlamaModel, not LlamaForCausalLM) drop the "model." prefix.
    if (tensors && this.n.embed.startsWith('model.') && !tensors.has(this.n.embed) && tensors.has(this.n.embed.slice(6))) this.strip = 'model.';
  }

  private strip = '';

  /** A weight of the config's shape: the file's tensor, an absent one (config alone), or a graph input when the file lacks it. */
  private weight(name: string, dims: number[], opts: { linear?: boolean } = {}): string {
    const full = this.strip && name.startsWith(this.strip) ? name.slice(this.strip.length) : name;
    if (!this.tensors) {
      let stored: LazyTensor['stored'];
      if (opts.linear && this.quant && dims.length === 2) {
        const bytes = estimatedQuantBytes(this.quant, dims[0], dims[1]);
        if (bytes !== undefined) stored = { type: `${this.quant.method}-int${this.quant.bits}`, bytes };
      }
      return this.g.initializer({ name: full, dtype: this.dtype, dims, source: { kind: 'absent', reason: 'config.json alone: no weights' }, stored });
    }
    const t = this.tensors.get(full);
    if (t && !(opts.linear && hasScales(this.tensors, full))) {
      this.consumed.add(full);
      if (!sameDims(t.dims, dims)) this.misshaped.push(`"${printable(full, 80)}" is [${t.dims.join(', ')}], the config implies [${dims.join(', ')}]`);
      return this.g.initializer(t);
    }
    if (opts.linear && full.endsWith('.weight')) {
      const q = quantizedLinear(this.tensors, full.slice(0, -'.weight'.length), dims, this.dtype, this.quant);
      if (q) {
        for (const c of q.consumed) this.consumed.add(c);
        if (q.problem) this.misshaped.push(q.problem);
        return this.g.initializer(q.tensor);
      }
    }
    this.missing.push(full);
    return this.g.input(full, this.dtype, dims);
  }

  /** nn.Linear (weight [out, in], FusedMatMul with transB) or GPT-2 Conv1D (weight [in, out], MatMul), + bias. */
  private linear(x: string, module: string, out: number, inp: number, bias: boolean, quantizable = true): string {
    let y: string;
    if (this.fam.conv1d) {
      const w = this.weight(`${module}.weight`, [inp, out]);
      y = this.g.op('MatMul', module, [x, w]);
    } else {
      const w = this.weight(`${module}.weight`, [out, inp], { linear: quantizable });
      y = this.g.op('FusedMatMul', module, [x, w], { transB: { kind: 'int', value: 1 } }, 'com.microsoft');
    }
    if (bias) y = this.g.op('Add', `${module}.bias_add`, [y, this.weight(`${module}.bias`, [out])]);
    return y;
  }

  private norm(x: string, module: string, size = this.s.hidden): string {
    const w = this.weight(`${module}.weight`, [size]);
    if (this.fam.norm === 'rms') return this.g.op('RMSNormalization', module, [x, w], { axis: { kind: 'int', value: -1 } });
    const inputs = [x, w];
    if (this.s.normBias) inputs.push(this.weight(`${module}.bias`, [size]));
    return this.g.op('LayerNormalization', module, inputs, { axis: { kind: 'int', value: -1 } });
  }

  private act(x: string, module: string): string {
    switch (this.s.act) {
      case 'silu':
        return this.g.op('Mul', `${module}.silu`, [x, this.g.op('Sigmoid', `${module}.sigmoid`, [x])]);
      case 'relu':
        return this.g.op('Relu', module, [x]);
      case 'gelu':
        return this.g.op('Gelu', module, [x]);
      case 'gelu_tanh':
        return this.g.op('Gelu', module, [x], { approximate: { kind: 'string', value: 'tanh' } });
    }
  }

  build(): void {
    const { s, n, g } = this;
    const ids = g.input('input_ids', 'int64', [BATCH, SEQUENCE]);
    const P = (name: string) => this.prefix + name;
    const embed = this.weight(P(n.embed), [s.vocab, s.hidden]);
    const embPath = stripWeight(this.prefix + n.embed);
    let x = g.op('Gather', embPath, [embed, ids]);
    if (s.scaleEmbeddings) {
      const c = g.op('Constant', `${embPath}.scale`, [], { value_float: { kind: 'float', value: Math.sqrt(s.hidden) } });
      x = g.op('Mul', `${embPath}.scaled`, [x, c]);
    }
    if (n.position && s.positions) {
      const p = this.weight(P(n.position), [s.positions, s.hidden]);
      x = g.op('Add', `${stripWeight(this.prefix + n.position)}.add`, [x, g.op('Gather', stripWeight(this.prefix + n.position), [p, this.positions()])]);
    }
    if (n.tokenType && s.typeVocab) {
      const tt = g.input('token_type_ids', 'int64', [BATCH, SEQUENCE]);
      const w = this.weight(P(n.tokenType), [s.typeVocab, s.hidden]);
      x = g.op('Add', `${stripWeight(this.prefix + n.tokenType)}.add`, [x, g.op('Gather', stripWeight(this.prefix + n.tokenType), [w, tt])]);
    }
    if (n.embedNorm) x = this.norm(x, P(n.embedNorm));
    if (this.fam.rotary) {
      const rot = Math.max(1, Math.floor(s.headDim / 2));
      const table = (name: string) => g.op('Constant', `rotary_emb.${name}`, [], {
        value: { kind: 'tensor', value: { name: `rotary_${name}_cache`, dtype: 'float32', dims: [s.maxContext ?? 4096, rot], source: { kind: 'absent', reason: 'computed at run time' } } },
      });
      this.rotary = { cos: table('cos'), sin: table('sin') };
    }
    for (let i = 0; i < s.layers; i++) x = this.block(x, i);
    if (n.finalNorm) x = this.norm(x, P(n.finalNorm));
    if (s.encoder) {
      x = g.node('Identity', `${this.prefix}last_hidden_state`, [x], { names: ['last_hidden_state'] })[0];
      g.output(x, this.dtype);
      if (n.pooler) {
        const first = g.op('Gather', `${this.prefix}pooler.first_token`, [x, g.op('Constant', `${this.prefix}pooler.index`, [], { value_int: { kind: 'int', value: 0 } })], { axis: { kind: 'int', value: 1 } });
        const [pooled] = g.node('Tanh', `${this.prefix}pooler.activation`, [this.linear(first, P(n.pooler), s.hidden, s.hidden, true, false)], { names: ['pooler_output'] });
        g.output(pooled, this.dtype);
      }
      return;
    }
    const lmName = n.lmHead ?? 'lm_head.weight';
    let head: string;
    if (s.tied) {
      head = embed;
      if (this.tensors?.has(lmName)) {
        this.consumed.add(lmName);
        this.notes.push(`"${lmName}" is stored but tied to "${this.prefix + n.embed}" (tie_word_embeddings): counted once`);
      }
    } else head = this.weight(lmName, [s.vocab, s.hidden]);
    const [logits] = g.node('FusedMatMul', stripWeight(lmName), [x, head], { attrs: { transB: { kind: 'int', value: 1 } }, domain: 'com.microsoft', names: ['logits'] });
    g.output(logits, this.dtype);
  }

  private positions(): string {
    return (this.positionIds ??= this.g.input('position_ids', 'int64', [BATCH, SEQUENCE]));
  }

  private block(x: string, i: number): string {
    const { s, n, g } = this;
    const L = this.prefix + n.layer.replace('{i}', String(i));
    const P = (m: string) => `${L}${m}`;
    const add = (a: string, c: string, name: string) => g.op('Add', P(name), [a, c]);
    switch (s.residual) {
      case 'pre': {
        x = add(x, this.attention(this.norm(x, P(n.attnNorm)), L, i), 'residual_attn');
        return add(x, this.mlp(this.norm(x, P(n.mlpNorm ?? 'post_attention_layernorm')), L, i), 'residual_mlp');
      }
      case 'sandwich': {
        x = add(x, this.norm(this.attention(this.norm(x, P(n.attnNorm)), L, i), P(n.postAttnNorm!)), 'residual_attn');
        return add(x, this.norm(this.mlp(this.norm(x, P(n.mlpNorm!)), L, i), P(n.postMlpNorm!)), 'residual_mlp');
      }
      case 'parallel': {
        const h1 = this.norm(x, P(n.attnNorm));
        const h2 = s.parallelNorms === 2 ? this.norm(x, P(n.mlpNorm!)) : h1;
        return add(add(x, this.attention(h1, L, i), 'residual_attn'), this.mlp(h2, L, i), 'residual_mlp');
      }
      case 'post': {
        x = this.norm(add(x, this.attention(x, L, i), 'residual_attn'), P(n.attnNorm));
        return this.norm(add(x, this.mlp(x, L, i), 'residual_mlp'), P(n.mlpNorm!));
      }
    }
  }

  private attention(h: string, L: string, i: number): string {
    const { s, n, g } = this;
    const qDim = s.heads * s.headDim;
    const kvDim = s.kvHeads * s.headDim;
    let q: string;
    let k: string;
    let v: string;
    if (n.qkv) {
      const qkv = this.linear(h, L + n.qkv, qDim + 2 * kvDim, s.hidden, s.qkvBias);
      [q, k, v] = g.node('Split', `${L}${n.qkv}.split`, [qkv, g.ints(`${L}${n.qkv}.split_sizes`, [qDim, kvDim, kvDim])], { outputs: 3, attrs: { axis: { kind: 'int', value: -1 } } });
    } else {
      q = this.linear(h, L + n.q!, qDim, s.hidden, s.qkvBias);
      k = this.linear(h, L + n.k!, kvDim, s.hidden, s.qkvBias);
      v = this.linear(h, L + n.v!, kvDim, s.hidden, s.qkvBias);
    }
    if (n.qNorm) q = this.headNorm(q, L + n.qNorm, s.heads);
    if (n.kNorm) k = this.headNorm(k, L + n.kNorm, s.kvHeads);
    const attnPath = L + n.o.replace(/\.[^.]+$/, '');
    if (this.rotary) {
      const rope = (t: string, heads: number, which: string) =>
        g.op('RotaryEmbedding', `${attnPath}.rotary_${which}`, [t, this.rotary!.cos, this.rotary!.sin, this.positions()], { num_heads: { kind: 'int', value: heads } });
      q = rope(q, s.heads, 'q');
      k = rope(k, s.kvHeads, 'k');
    }
    const kind = s.attention[i];
    const attrs: Record<string, { kind: 'int'; value: number }> = { q_num_heads: { kind: 'int', value: s.heads }, kv_num_heads: { kind: 'int', value: s.kvHeads }, is_causal: { kind: 'int', value: s.encoder ? 0 : 1 } };
    if (kind?.kind === 'sliding') attrs.sliding_window = { kind: 'int', value: kind.window };
    const a = g.op('Attention', `${attnPath}.attention`, [q, k, v], attrs);
    return this.linear(a, L + n.o, s.hidden, qDim, s.oBias);
  }

  /** Qwen3's per-head RMSNorm of q and k: [B, S, H·D] → [B, S, H, D] → norm over D → back. */
  private headNorm(t: string, module: string, heads: number): string {
    const { s, g } = this;
    const r = g.op('Reshape', `${module}.split_heads`, [t, g.ints(`${module}.heads_shape`, [0, 0, heads, s.headDim])]);
    const y = this.norm(r, module, s.headDim);
    return g.op('Reshape', `${module}.merge_heads`, [y, g.ints(`${module}.merged_shape`, [0, 0, heads * s.headDim])]);
  }

  private mlp(h: string, L: string, i: number): string {
    const { s, n, g } = this;
    if (s.moe && s.moe.layers[i]) return this.moe(h, L);
    if (n.gateUp) {
      const gu = this.linear(h, L + n.gateUp, 2 * s.intermediate, s.hidden, s.mlpBias);
      const [gate, up] = g.node('Split', `${L}${n.gateUp}.split`, [gu, g.ints(`${L}${n.gateUp}.split_sizes`, [s.intermediate, s.intermediate])], { outputs: 2, attrs: { axis: { kind: 'int', value: -1 } } });
      const m = g.op('Mul', `${L}mlp.gated`, [this.act(gate, `${L}mlp.act`), up]);
      return this.linear(m, L + n.down!, s.hidden, s.intermediate, s.mlpBias);
    }
    if (n.gate) return this.gated(h, L + n.gate, L + n.up!, L + n.down!, s.intermediate, s.mlpBias);
    const f = this.linear(h, L + n.fc!, s.intermediate, s.hidden, s.mlpBias);
    return this.linear(this.act(f, `${L}${n.fc}.act`), L + n.proj!, s.hidden, s.intermediate, s.mlpBias);
  }

  private gated(h: string, gate: string, up: string, down: string, inter: string | number, bias: boolean): string {
    const I = Number(inter);
    const gt = this.linear(h, gate, I, this.s.hidden, bias);
    const u = this.linear(h, up, I, this.s.hidden, bias);
    const m = this.g.op('Mul', `${gate}.gated`, [this.act(gt, `${gate}.act`), u]);
    return this.linear(m, down, this.s.hidden, I, bias);
  }

  /** Router + E experts (top-k) as one MoE node owning every expert's weights; shared expert beside it. */
  private moe(h: string, L: string): string {
    const { s, n, g } = this;
    const moe = s.moe!;
    const logits = this.linear(h, L + n.router!, moe.experts, s.hidden, false, false);
    const inputs = [h, logits];
    for (let j = 0; j < moe.experts; j++) {
      const E = L + n.expert!.replace('{j}', String(j));
      inputs.push(
        this.weight(`${E}.${n.expertGate}.weight`, [moe.intermediate, s.hidden], { linear: true }),
        this.weight(`${E}.${n.expertUp}.weight`, [moe.intermediate, s.hidden], { linear: true }),
        this.weight(`${E}.${n.expertDown}.weight`, [s.hidden, moe.intermediate], { linear: true }),
      );
    }
    const expertsPath = (L + n.expert!).replace(/\.\{j\}$/, '');
    let y = g.op('MoE', expertsPath, inputs, {
      num_experts: { kind: 'int', value: moe.experts },
      k: { kind: 'int', value: moe.topK },
      weights_per_expert: { kind: 'int', value: 3 },
      activation: { kind: 'string', value: s.act },
    }, 'modellens');
    if (moe.sharedIntermediate && n.shared) {
      let sh = this.gated(h, `${L}${n.shared}.gate_proj`, `${L}${n.shared}.up_proj`, `${L}${n.shared}.down_proj`, moe.sharedIntermediate, false);
      if (moe.sharedGate && n.sharedGate) {
        const gate = g.op('Sigmoid', `${L}${n.sharedGate}.sigmoid`, [this.linear(h, L + n.sharedGate, 1, s.hidden, false, false)]);
        sh = g.op('Mul', `${L}${n.sharedGate}.apply`, [sh, gate]);
      }
      y = g.op('Add', `${L}mlp.shared_add`, [y, sh]);
    }
    return y;
  }

  /** Warnings about the checkpoint against the config: missing, mis-shaped, extra tensors, buffers. */
  report(): string[] {
    const out = [...this.notes];
    if (!this.tensors) return out;
    if (this.missing.length) out.push(`${this.missing.length} tensor(s) the config implies are not in the checkpoint (costed from the config's shapes, not counted as parameters): ${names(this.missing)}`);
    if (this.misshaped.length) out.push(`${this.misshaped.length} tensor(s) do not have the config's shape: ${this.misshaped.slice(0, MAX_NAMED).join('; ')}${this.misshaped.length > MAX_NAMED ? `; and ${this.misshaped.length - MAX_NAMED} more` : ''}`);
    const buffers: string[] = [];
    const extra: string[] = [];
    for (const name of this.tensors.keys()) {
      if (this.consumed.has(name)) continue;
      if (this.fam.buffers?.test(name)) buffers.push(name);
      else extra.push(name);
    }
    if (buffers.length) out.push(`${buffers.length} buffer tensor(s) (causal masks, rotary tables) are not parameters and are not counted: ${names(buffers)}`);
    if (extra.length) {
      for (const name of extra) this.g.initializers.set(name, this.tensors.get(name)!);
      this.g.node('Weights', 'unmatched_tensors', [], { outputs: 0, domain: 'modellens', weights: extra });
      out.push(`${extra.length} tensor(s) in the checkpoint are not part of the family's graph (counted as parameters, not costed): ${names(extra)}`);
    }
    return out;
  }
}

function hasScales(tensors: Map<string, LazyTensor>, weight: string): boolean {
  const m = weight.slice(0, -'.weight'.length);
  return weight.endsWith('.weight') && (tensors.has(`${m}.weight_scale`) || tensors.has(`${m}.weight_scale_inv`) || tensors.has(`${m}.input_scale`));
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function stripWeight(name: string): string {
  return name.replace(/\.weight$/, '');
}

function names(list: string[]): string {
  const shown = list.slice(0, MAX_NAMED).map((n) => `"${printable(n, 80)}"`).join(', ');
  return list.length > MAX_NAMED ? `${shown} and ${list.length - MAX_NAMED} more` : shown;
}
