import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type { Dim } from '../../ir/dim';
import { attrInt, type Graph, type Model, type Node } from '../../ir/graph';
import type { LlmAttentionKind, LlmInfo } from '../../ir/llm';

/**
 * Recognises a decoder language model in an ONNX export (Optimum, onnxruntime-genai, torch.onnx
 * with a KV cache) and describes it as LlmInfo, the record the LLM analysis reads whatever the file:
 *   - KV cache: graph inputs past_key_values.N.key/value (or past_key.N / past_value.N), outputs
 *     present.N.key/value (or present_key.N), one pair per layer, shaped [batch, kv_heads, seq, head_dim];
 *     or one stacked past_N / present_N [2, batch, heads, seq, head_dim] per layer (onnxruntime's GPT-2);
 *   - attention nodes (GroupQueryAttention, MultiHeadAttention, com.microsoft Attention, ONNX
 *     Attention) give heads / kv heads and, with none of those, the past shapes do;
 *   - the token embedding (a Gather of a [vocab, hidden] table by a graph input) gives vocab and
 *     hidden size, the logits output or the last projection confirms the vocabulary.
 * Nothing is guessed from names alone: without a KV cache or attention nodes this is not an LLM.
 * The architecture name (and trained context) come from the export folder's config.json (Optimum) or
 * genai_config.json (onnxruntime-genai) when there is one; otherwise from the graph (RMS norms and
 * sliding windows: llama / mistral; LayerNorm with learned positions: gpt2), else "unknown".
 */

/** Sibling JSON files are small; a bigger one is not a config and is not read. */
const MAX_CONFIG_BYTES = 1 << 20;

function readJson(file: string): unknown {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    if (size > MAX_CONFIG_BYTES) return undefined;
    const buf = Buffer.alloc(size);
    readSync(fd, buf, 0, size, 0);
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const str = (x: unknown) => (typeof x === 'string' && x.length > 0 && x.length < 64 ? x : undefined);
const int = (x: unknown) => (typeof x === 'number' && Number.isInteger(x) && x > 0 ? x : undefined);

/** model_type and trained context from the export folder, when it holds the exporter's config. */
function folderConfig(modelFile: string): { architecture?: string; maxContext?: number } {
  const dir = path.dirname(modelFile);
  const hf = readJson(path.join(dir, 'config.json')) as Record<string, unknown> | undefined;
  if (hf && typeof hf === 'object') return { architecture: str(hf.model_type), maxContext: int(hf.max_position_embeddings) ?? int(hf.n_positions) };
  const genai = readJson(path.join(dir, 'genai_config.json')) as { model?: Record<string, unknown> } | undefined;
  if (genai && typeof genai.model === 'object' && genai.model) return { architecture: str(genai.model.type), maxContext: int(genai.model.context_length) };
  return {};
}

const PAST = /^(?:past_key_values|past_key_value|past)[._](\d+)[._](key|value)$/;
const PAST_SPLIT = /^past_(key|value)[._](\d+)$/;
const PRESENT = /^(?:present|present_key_values)[._](\d+)[._](key|value)$/;
const PRESENT_SPLIT = /^present_(key|value)[._](\d+)$/;
/** onnxruntime's GPT-2 conversion (com.microsoft Attention): one tensor per layer, [2, batch, heads, seq, head]. */
const PAST_STACKED = /^past[._](\d+)$/;
const PRESENT_STACKED = /^present[._](\d+)$/;

function layerOf(name: string, joint: RegExp, split: RegExp, stacked: RegExp): { layer: number; kind: string } | undefined {
  const m = joint.exec(name);
  if (m) return { layer: Number(m[1]), kind: m[2] };
  const s = split.exec(name);
  if (s) return { layer: Number(s[2]), kind: s[1] };
  const k = stacked.exec(name);
  return k ? { layer: Number(k[1]), kind: 'key' } : undefined;
}

const ATTENTION = new Set(['GroupQueryAttention', 'MultiHeadAttention', 'Attention']);
const RMS = new Set(['SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization', 'RMSNormalization']);

const num = (d: Dim | undefined): number | undefined => (typeof d === 'number' ? d : undefined);
/** A dim that is one bare symbol ("batch_size", "past_sequence_length"), as exports name their token dims. */
const sym = (d: Dim | undefined): string | undefined => (d !== undefined && typeof d !== 'number' && d.symbols().length === 1 && d.text === d.symbols()[0] ? d.text : undefined);

/**
 * The export's names for batch, new tokens, past and total length, so the LLM analysis can bind the
 * graph to one token with no past: input_ids [batch, sequence], the cache [batch, kv_heads, past, head]
 * and the attention mask [batch, total] (total = past + sequence when the export names it apart).
 */
function tokenDims(g: Graph, pastShape: readonly Dim[] | undefined): LlmInfo['dims'] | undefined {
  const ids = g.inputs.find((i) => i.name === 'input_ids') ?? g.inputs.find((i) => /ids$/.test(i.name) && i.shape?.length === 2);
  const batch = sym(ids?.shape?.[0]);
  const sequence = sym(ids?.shape?.[1]);
  if (!batch || !sequence) return undefined;
  const past = sym(pastShape?.[2]);
  const mask = g.inputs.find((i) => /^(attention_)?mask$/.test(i.name) && i.shape?.length === 2);
  const total = sym(mask?.shape?.[1]);
  return {
    batch,
    sequence,
    ...(past && past !== sequence && past !== batch ? { past } : {}),
    ...(total && total !== sequence && total !== past && total !== batch ? { total } : {}),
  };
}

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

/** Rows of the rotary cos cache (GroupQueryAttention input 7, RotaryEmbedding's cos input): the positions it covers. */
function rotaryTable(g: Graph): number | undefined {
  for (const n of g.nodes) {
    const slot = n.opType === 'GroupQueryAttention' ? 7 : n.opType === 'RotaryEmbedding' ? (n.domain === 'com.microsoft' ? 2 : 1) : -1;
    const t = slot >= 0 ? g.initializers.get(n.inputs[slot] ?? '') : undefined;
    if (t && t.dims.length === 2) return t.dims[0];
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
    const l = layerOf(i.name, PAST, PAST_SPLIT, PAST_STACKED);
    if (l) (past.get(l.layer) ?? past.set(l.layer, new Map()).get(l.layer)!).set(l.kind, i.name);
  }
  const present = new Map<number, Map<string, string>>();
  for (const o of g.outputs) {
    const l = layerOf(o.name, PRESENT, PRESENT_SPLIT, PRESENT_STACKED);
    if (l) (present.get(l.layer) ?? present.set(l.layer, new Map()).get(l.layer)!).set(l.kind, o.name);
  }
  const attn = g.nodes.filter((n) => ATTENTION.has(n.opType) && (n.domain === 'com.microsoft' || ((n.domain === '' || n.domain === 'ai.onnx') && n.opType === 'Attention')));
  const layers = Math.max(past.size, present.size, attn.length);
  const emb = embedding(g);
  if (layers === 0 || !emb) return undefined;

  // Heads: attention attributes first, then the cache shape [batch, kv_heads, seq, head_dim].
  const h = attn.length > 0 ? heads(attn[0]) : {};
  const shape0 = g.inputs.find((i) => i.name === past.get(0)?.get('key'))?.shape;
  // [batch, kv_heads, seq, head], or stacked K/V [2, batch, heads, seq, head].
  const pastShape = shape0?.length === 5 ? shape0.slice(1) : shape0;
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
  const folder = folderConfig(model.file);
  const architecture = folder.architecture ?? model.metadata.model_type ?? (rms ? (attention ? 'mistral' : 'llama') : positions !== undefined ? 'gpt2' : 'unknown');
  const maxContext = positions ?? folder.maxContext ?? rotaryTable(g);
  const positive = (x: number) => Number.isInteger(x) && x > 0;
  if (![layers, emb.hidden, qHeads, kvHeads, headDim, vocab].every(positive) || qHeads % kvHeads !== 0) return undefined;
  const dims = tokenDims(g, pastShape);
  const order = (m: Map<number, Map<string, string>>) => [...m.keys()].sort((a, b) => a - b).flatMap((k) => ['key', 'value'].flatMap((kind) => m.get(k)?.get(kind) ?? []));
  return {
    architecture,
    layers,
    hiddenSize: emb.hidden,
    heads: qHeads,
    kvHeads,
    headDim,
    vocab,
    ...(maxContext !== undefined ? { maxContext } : {}),
    ...(attention ? { attention } : {}),
    ...(past.size || present.size ? { kvCache: { past: order(past), present: order(present) } } : {}),
    ...(dims ? { dims } : {}),
    source: 'onnx',
  };
}
