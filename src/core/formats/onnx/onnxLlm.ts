import type { Dim } from '../../ir/dim';
import { attrInt, type Graph, type Model, type Node } from '../../ir/graph';
import type { LlmAttentionKind, LlmInfo } from '../../ir/llm';

/**
 * Recognises a decoder language model in an ONNX export (Optimum, onnxruntime-genai, torch.onnx
 * with a KV cache) and describes it as LlmInfo, the record the LLM analysis reads whatever the file:
 *   - KV cache: graph inputs past_key_values.N.key/value (or past.N / past_key.N), outputs
 *     present.N.key/value (or present_key.N), one pair per layer, shaped [batch, kv_heads, seq, head_dim];
 *   - attention nodes (GroupQueryAttention, MultiHeadAttention, com.microsoft Attention, ONNX
 *     Attention) give heads / kv heads and, with none of those, the past shapes do;
 *   - the token embedding (a Gather of a [vocab, hidden] table by a graph input) gives vocab and
 *     hidden size, the logits output or the last projection confirms the vocabulary.
 * Nothing is guessed from names alone: without a KV cache or attention nodes this is not an LLM.
 */

const PAST = /^(?:past_key_values|past_key_value|past)[._](\d+)[._](key|value)$/;
const PAST_SPLIT = /^past_(key|value)[._](\d+)$/;
const PRESENT = /^(?:present|present_key_values)[._](\d+)[._](key|value)$/;
const PRESENT_SPLIT = /^present_(key|value)[._](\d+)$/;

function layerOf(name: string, joint: RegExp, split: RegExp): { layer: number; kind: string } | undefined {
  const m = joint.exec(name);
  if (m) return { layer: Number(m[1]), kind: m[2] };
  const s = split.exec(name);
  return s ? { layer: Number(s[2]), kind: s[1] } : undefined;
}

const ATTENTION = new Set(['GroupQueryAttention', 'MultiHeadAttention', 'Attention']);
const RMS = new Set(['SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization', 'RMSNormalization']);

const num = (d: Dim | undefined): number | undefined => (typeof d === 'number' ? d : undefined);

/** Token embedding: [vocab, hidden] (logical) from a Gather / GatherBlockQuantized fed by a graph input. */
function embedding(g: Graph): { vocab: number; hidden: number } | undefined {
  const inputs = new Set(g.inputs.map((i) => i.name));
  for (const n of g.nodes) {
    if (n.opType !== 'Gather' && n.opType !== 'GatherBlockQuantized') continue;
    const t = g.initializers.get(n.inputs[0]);
    if (!t || t.dims.length !== 2 || !inputs.has(n.inputs[1])) continue;
    const pack = n.opType === 'GatherBlockQuantized' && (t.dtype === 'uint8' || t.dtype === 'int8') ? Math.floor(8 / attrInt(n, 'bits', 4)) : 1;
    return { vocab: t.dims[0], hidden: t.dims[1] * pack };
  }
  return undefined;
}

/** The position-embedding table of learned-position models (GPT-2's wpe): a second [positions, hidden] Gather. */
function positionTable(g: Graph, hidden: number, vocab: number): number | undefined {
  for (const n of g.nodes) {
    if (n.opType !== 'Gather') continue;
    const t = g.initializers.get(n.inputs[0]);
    if (t && t.dims.length === 2 && t.dims[1] === hidden && t.dims[0] !== vocab) return t.dims[0];
  }
  return undefined;
}

function heads(n: Node): { heads?: number; kvHeads?: number; window?: number } {
  if (n.opType === 'GroupQueryAttention') {
    const w = attrInt(n, 'local_window_size', -1);
    return { heads: attrInt(n, 'num_heads'), kvHeads: attrInt(n, 'kv_num_heads'), window: w > 0 ? w : undefined };
  }
  if (n.domain === '' || n.domain === 'ai.onnx') return { heads: attrInt(n, 'q_num_heads'), kvHeads: attrInt(n, 'kv_num_heads') };
  const h = attrInt(n, 'num_heads');
  return { heads: h, kvHeads: h };
}

export function recogniseOnnxLlm(model: Model): LlmInfo | undefined {
  const g = model.graph;
  const past = new Map<number, Map<string, string>>();
  for (const i of g.inputs) {
    const l = layerOf(i.name, PAST, PAST_SPLIT);
    if (l) (past.get(l.layer) ?? past.set(l.layer, new Map()).get(l.layer)!).set(l.kind, i.name);
  }
  const present = new Map<number, Map<string, string>>();
  for (const o of g.outputs) {
    const l = layerOf(o.name, PRESENT, PRESENT_SPLIT);
    if (l) (present.get(l.layer) ?? present.set(l.layer, new Map()).get(l.layer)!).set(l.kind, o.name);
  }
  const attn = g.nodes.filter((n) => ATTENTION.has(n.opType) && (n.domain === 'com.microsoft' || ((n.domain === '' || n.domain === 'ai.onnx') && n.opType === 'Attention')));
  const layers = Math.max(past.size, present.size, attn.length);
  const emb = embedding(g);
  if (layers === 0 || !emb) return undefined;

  // Heads: attention attributes first, then the cache shape [batch, kv_heads, seq, head_dim].
  const h = attn.length > 0 ? heads(attn[0]) : {};
  const pastShape = g.inputs.find((i) => i.name === past.get(0)?.get('key'))?.shape;
  const cacheKv = num(pastShape?.[1]);
  const cacheHead = num(pastShape?.[3]);
  const kvHeads = h.kvHeads ?? cacheKv;
  const headDim = cacheHead ?? (h.heads ? emb.hidden / h.heads : undefined);
  if (!kvHeads || !headDim || !Number.isInteger(headDim)) return undefined;
  const qHeads = h.heads ?? emb.hidden / headDim;
  if (!Number.isInteger(qHeads)) return undefined;

  // The logits' last dim, when declared, must agree with the embedding table.
  const logits = g.outputs.find((o) => o.name === 'logits');
  const vocabOut = num(logits?.shape?.[logits.shape.length - 1]);
  const vocab = vocabOut ?? emb.vocab;

  const rms = g.nodes.some((n) => RMS.has(n.opType));
  const positions = rms ? undefined : positionTable(g, emb.hidden, emb.vocab);
  const windows = attn.map((n) => heads(n).window);
  const attention: LlmAttentionKind[] | undefined = windows.some((w) => w !== undefined) ? windows.map((w) => (w ? { kind: 'sliding', window: w } : { kind: 'full' })) : undefined;
  const architecture = model.metadata.model_type ?? (rms ? (attention ? 'mistral' : 'llama') : positions !== undefined ? 'gpt2' : 'unknown');
  const order = (m: Map<number, Map<string, string>>) => [...m.keys()].sort((a, b) => a - b).flatMap((k) => ['key', 'value'].flatMap((kind) => m.get(k)?.get(kind) ?? []));
  return {
    architecture,
    layers,
    hiddenSize: emb.hidden,
    heads: qHeads,
    kvHeads,
    headDim,
    vocab,
    ...(positions !== undefined ? { maxContext: positions } : {}),
    ...(attention ? { attention } : {}),
    ...(past.size || present.size ? { kvCache: { past: order(past), present: order(present) } } : {}),
    source: 'onnx',
  };
}
