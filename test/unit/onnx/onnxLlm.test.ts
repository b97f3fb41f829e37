// The ONNX LLM recogniser: an export's KV cache (past_key_values.* / present.*), attention nodes
// and embedding table give the same LlmInfo as the checkpoint's config.json.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readOnnx } from '../../../src/core/formats/onnx/reader';
import { recogniseOnnxLlm } from '../../../src/core/formats/onnx/onnxLlm';
import { writeOnnx } from '../../../src/core/formats/onnx/writer';
import type { DType } from '../../../src/core/ir/dtype';
import type { Model, Node, ValueInfo } from '../../../src/core/ir/graph';
import type { LazyTensor } from '../../../src/core/ir/tensor';
import { graph, int, node, vi } from '../analysis/graphBuilder';
import { tmpDir } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');

const LLM = path.resolve(__dirname, '../../../../shared/models/llm');
const config = (name: string) => JSON.parse(readFileSync(path.join(LLM, name, 'config.json'), 'utf8'));
const absent = (name: string, dims: number[], dtype: DType = 'float16'): LazyTensor => ({ name, dtype, dims, source: { kind: 'absent', reason: 'test: shapes only' } });
const model = (g: ReturnType<typeof graph>): Model => ({ format: 'onnx', file: '/virtual/llm.onnx', graph: g, opsets: { '': 17, 'com.microsoft': 1 }, metadata: {}, warnings: [] });

/** KV-cache inputs/outputs as Optimum names them. */
function cache(layers: number, kv: number, head: number): { ins: ValueInfo[]; outs: ValueInfo[] } {
  const ins: ValueInfo[] = [];
  const outs: ValueInfo[] = [];
  for (let l = 0; l < layers; l++) {
    for (const k of ['key', 'value']) {
      ins.push(vi(`past_key_values.${l}.${k}`, 'float16', ['batch', kv, 'past_sequence_length', head]));
      outs.push(vi(`present.${l}.${k}`, 'float16', ['batch', kv, 'total_sequence_length', head]));
    }
  }
  return { ins, outs };
}

/** A tiny Llama-style int4 export as onnxruntime-genai writes one (GatherBlockQuantized, MatMulNBits, GQA). */
function int4Llama() {
  const L = 2, V = 64, D = 32, H = 4, KV = 2, E = 8;
  const { ins, outs } = cache(L, KV, E);
  const inline = (name: string, dtype: DType, dims: number[]): LazyTensor => ({ name, dtype, dims, source: { kind: 'inline', bytes: new Uint8Array(dims.reduce((a, b) => a * b, 1) * (dtype === 'uint8' ? 1 : dtype === 'int32' ? 4 : 2)) } });
  const nodes: Node[] = [node('GatherBlockQuantized', ['emb_q', 'input_ids', 'emb_s'], ['x0'], { bits: int(4), block_size: int(32), quantize_axis: int(1) }, 'com.microsoft')];
  for (let l = 0; l < L; l++) {
    nodes.push(node('MatMulNBits', [`x${l}`, `qkv.${l}.q`, `qkv.${l}.s`], [`qkv${l}`], { K: int(D), N: int((H + 2 * KV) * E), bits: int(4), block_size: int(32) }, 'com.microsoft'));
    nodes.push(node('GroupQueryAttention', [`qkv${l}`, '', '', `past_key_values.${l}.key`, `past_key_values.${l}.value`, 'seqlens_k', 'total_seq'], [`x${l + 1}`, `present.${l}.key`, `present.${l}.value`], { num_heads: int(H), kv_num_heads: int(KV) }, 'com.microsoft'));
  }
  nodes.push(node('SimplifiedLayerNormalization', [`x${L}`, 'norm'], ['xf']));
  const inits = [inline('emb_q', 'uint8', [V, D / 2]), inline('emb_s', 'float16', [V, 1]), inline('norm', 'float16', [D])];
  for (let l = 0; l < L; l++) inits.push(inline(`qkv.${l}.q`, 'uint8', [(H + 2 * KV) * E, 1, 16]), inline(`qkv.${l}.s`, 'float16', [(H + 2 * KV) * E]));
  const g = graph(nodes, [vi('input_ids', 'int64', ['batch', 'sequence']), vi('seqlens_k', 'int32', ['batch']), vi('total_seq', 'int32', []), ...ins], [vi('xf', 'float16'), ...outs], inits);
  return { g, ins, outs, L, V, D, H, KV, E };
}

describe('ONNX LLM recogniser (Model.llm from an export)', () => {
  it('GPT-2 Optimum export (no fused ops): KV cache pairs give layers and heads, wte/wpe give vocab, hidden and context — as config.json', () => {
    const c = config('gpt2');
    const { ins, outs } = cache(c.n_layer, c.n_head, c.n_embd / c.n_head);
    const nodes: Node[] = [node('Gather', ['wte', 'input_ids'], ['tok']), node('Gather', ['wpe', 'position_ids'], ['pos']), node('Add', ['tok', 'pos'], ['x']), node('LayerNormalization', ['x', 'g', 'b'], ['h'])];
    for (let l = 0; l < c.n_layer; l++) for (const k of ['key', 'value']) nodes.push(node('Concat', [`past_key_values.${l}.${k}`, `new.${l}.${k}`], [`present.${l}.${k}`], { axis: int(-2) }));
    nodes.push(node('MatMul', ['h', 'lm_head'], ['logits']));
    const g = graph(nodes, [vi('input_ids', 'int64', ['batch', 'sequence']), vi('position_ids', 'int64', ['batch', 'sequence']), ...ins],
      [vi('logits', 'float16', ['batch', 'sequence', c.vocab_size]), ...outs],
      [absent('wte', [c.vocab_size, c.n_embd]), absent('wpe', [c.n_positions, c.n_embd]), absent('g', [c.n_embd]), absent('b', [c.n_embd]), absent('lm_head', [c.n_embd, c.vocab_size])]);
    const llm = recogniseOnnxLlm(model(g));
    assert.ok(llm, 'recognised');
    assert.equal(llm.kvCache!.past.length, 2 * c.n_layer);
    assert.equal(llm.kvCache!.present[1], 'present.0.value');
    const { kvCache: _kv, ...rest } = llm;
    assert.deepEqual(rest, { architecture: c.model_type, layers: c.n_layer, hiddenSize: c.n_embd, heads: c.n_head, kvHeads: c.n_head, headDim: c.n_embd / c.n_head, vocab: c.vocab_size, maxContext: c.n_positions, dims: { batch: 'batch', sequence: 'sequence', past: 'past_sequence_length' }, source: 'onnx' });
  });

  it('GPT-2 as onnxruntime\'s converter writes it: com.microsoft Attention with stacked past_N / present_N [2, batch, heads, seq, head]', () => {
    const c = config('gpt2');
    const nodes: Node[] = [node('Gather', ['wte', 'input_ids'], ['x0']), node('Gather', ['wpe', 'position_ids'], ['p']), node('LayerNormalization', ['x0', 'g', 'b'], ['h0'])];
    const ins: ValueInfo[] = [];
    const outs: ValueInfo[] = [];
    for (let l = 0; l < c.n_layer; l++) {
      ins.push(vi(`past_${l}`, 'float32', [2, 'batch', c.n_head, 'past_seq_len', c.n_embd / c.n_head]));
      outs.push(vi(`present_${l}`, 'float32', [2, 'batch', c.n_head, 'total_seq_len', c.n_embd / c.n_head]));
      nodes.push(node('Attention', [`h${l}`, `w${l}`, `b${l}`, 'mask', `past_${l}`], [`h${l + 1}`, `present_${l}`], { num_heads: int(c.n_head), unidirectional: int(1) }, 'com.microsoft'));
    }
    const g = graph(nodes, [vi('input_ids', 'int32', ['batch', 'seq_len']), vi('position_ids', 'int32', ['batch', 'seq_len']), vi('mask', 'int32', ['batch', 'total_seq_len']), ...ins], [vi('logits', 'float32', ['batch', 'seq_len', c.vocab_size]), ...outs],
      [absent('wte', [c.vocab_size, c.n_embd], 'float32'), absent('wpe', [c.n_positions, c.n_embd], 'float32'), absent('g', [c.n_embd], 'float32'), absent('b', [c.n_embd], 'float32')]);
    const llm = recogniseOnnxLlm(model(g))!;
    assert.ok(llm);
    assert.deepEqual(
      { architecture: llm.architecture, layers: llm.layers, hiddenSize: llm.hiddenSize, heads: llm.heads, kvHeads: llm.kvHeads, headDim: llm.headDim, vocab: llm.vocab, maxContext: llm.maxContext },
      { architecture: 'gpt2', layers: c.n_layer, hiddenSize: c.n_embd, heads: c.n_head, kvHeads: c.n_head, headDim: c.n_embd / c.n_head, vocab: c.vocab_size, maxContext: c.n_positions },
    );
    assert.deepEqual(llm.kvCache, { past: ins.map((i) => i.name), present: outs.map((o) => o.name) });
    assert.deepEqual(llm.dims, { batch: 'batch', sequence: 'seq_len', past: 'past_seq_len', total: 'total_seq_len' }, 'token dims from input_ids, the stacked cache and the mask');
  });

  it('Mistral-7B onnxruntime-genai export: GroupQueryAttention attributes give heads, KV heads and the sliding window — as config.json', () => {
    const c = config('mistral-7b-v0.1');
    const head = c.hidden_size / c.num_attention_heads;
    const { ins, outs } = cache(c.num_hidden_layers, c.num_key_value_heads, head);
    const nodes: Node[] = [node('Gather', ['embed_tokens', 'input_ids'], ['x0'])];
    for (let l = 0; l < c.num_hidden_layers; l++) {
      nodes.push(node('SimplifiedLayerNormalization', [`x${l}`, `ln.${l}`], [`h${l}`], {}, ''));
      nodes.push(node('GroupQueryAttention', [`q${l}`, `k${l}`, `v${l}`, `past_key_values.${l}.key`, `past_key_values.${l}.value`, 'seqlens_k', 'total_seq'], [`x${l + 1}`, `present.${l}.key`, `present.${l}.value`],
        { num_heads: int(c.num_attention_heads), kv_num_heads: int(c.num_key_value_heads), local_window_size: int(c.sliding_window), do_rotary: int(1) }, 'com.microsoft'));
      nodes[nodes.length - 1].inputs.push('cos_cache', 'sin_cache');
    }
    const g = graph(nodes, [vi('input_ids', 'int64', ['batch', 'sequence']), ...ins], [vi('logits', 'float16', ['batch', 'sequence', c.vocab_size]), ...outs],
      [absent('embed_tokens', [c.vocab_size, c.hidden_size]), absent('cos_cache', [c.max_position_embeddings, head / 2]), absent('sin_cache', [c.max_position_embeddings, head / 2]), ...Array.from({ length: c.num_hidden_layers }, (_, l) => absent(`ln.${l}`, [c.hidden_size]))]);
    const llm = recogniseOnnxLlm(model(g))!;
    assert.ok(llm);
    assert.deepEqual(
      { architecture: llm.architecture, layers: llm.layers, hiddenSize: llm.hiddenSize, heads: llm.heads, kvHeads: llm.kvHeads, headDim: llm.headDim, vocab: llm.vocab },
      { architecture: c.model_type, layers: c.num_hidden_layers, hiddenSize: c.hidden_size, heads: c.num_attention_heads, kvHeads: c.num_key_value_heads, headDim: head, vocab: c.vocab_size },
    );
    assert.equal(llm.maxContext, c.max_position_embeddings, 'the rotary cache covers the trained context');
    assert.equal(llm.attention!.length, c.num_hidden_layers);
    assert.ok(llm.attention!.every((a) => a.kind === 'sliding' && a.window === c.sliding_window));
  });

  it('the reader fills Model.llm for a written Llama-style int4 export (GatherBlockQuantized embedding, MatMulNBits, GQA)', async () => {
    const { g, ins, outs, L, V, D, H, KV, E } = int4Llama();
    const file = path.join(tmpDir('llm'), 'llama.onnx');
    await writeOnnx(model(g), file);
    const m = await readOnnx(file);
    assert.deepEqual(m.llm, {
      architecture: 'llama', layers: L, hiddenSize: D, heads: H, kvHeads: KV, headDim: E, vocab: V, source: 'onnx',
      kvCache: { past: ins.map((i) => i.name), present: outs.map((o) => o.name) },
      dims: { batch: 'batch', sequence: 'sequence', past: 'past_sequence_length' },
    });
    // The whole export analysed: logical int4 parameters (embedding, projections) + the norm, no scales;
    // every output's shape as onnxruntime produces it for a decode step of 3 tokens after 4 cached ones.
    const a = analyzeModel(m, { dims: { batch: 1, sequence: 3, past_sequence_length: 4 } });
    assert.deepEqual(a.notCosted, []);
    assert.equal(a.totals.params, V * D + L * D * (H + 2 * KV) * E + D);
    // The LLM numbers of the export, from the same analysis as a config.json's (README convention): K and V
    // of every layer at fp16; per token every weight matmul once; at context C, QKᵀ and A·V over C keys.
    assert.ok(a.llm, 'the export gets the LLM numbers');
    assert.equal(a.llm.kvCacheBytesPerToken, L * 2 * KV * E * 2);
    assert.equal(a.llm.linearMacsPerToken, L * D * (H + 2 * KV) * E);
    assert.ok(a.llm.decode, "a decoder has a decode step");
    assert.equal(a.llm.decode.context, 4096);
    assert.equal(a.llm.decode.macsPerToken, L * D * (H + 2 * KV) * E + L * 2 * H * E * 4096);
    assert.equal(a.llm.prefill.tokens, 3);
    const sess = await ort.InferenceSession.create(file, { logSeverityLevel: 3 });
    try {
      const feeds: Record<string, import('onnxruntime-node').Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from([1n, 2n, 3n]), [1, 3]),
        seqlens_k: new ort.Tensor('int32', Int32Array.from([6]), [1]),
        total_seq: new ort.Tensor('int32', Int32Array.from([7]), []),
      };
      for (const i of ins) feeds[i.name] = new ort.Tensor('float16', new Uint16Array(KV * 4 * E), [1, KV, 4, E]);
      const out = await sess.run(feeds);
      m.graph.outputs.forEach((o, k) => assert.deepEqual(a.outputs[k].shape, [...out[o.name].dims], `${o.name}: ModelLens vs onnxruntime`));
    } finally {
      await sess.release();
    }
  });

  it('an export folder: config.json beside model.onnx names the architecture and the trained context', async () => {
    const dir = tmpDir('optimum');
    const file = path.join(dir, 'model.onnx');
    await writeOnnx(model(int4Llama().g), file);
    assert.equal((await readOnnx(file)).llm?.architecture, 'llama', 'without a config: from the graph (RMS norms)');
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'qwen2', max_position_embeddings: 32768, num_hidden_layers: 2 }));
    const m = await readOnnx(file);
    assert.equal(m.llm?.architecture, 'qwen2');
    assert.equal(m.llm?.maxContext, 32768);
    assert.equal(m.llm?.layers, 2, 'structure still from the graph');
    writeFileSync(path.join(dir, 'config.json'), '{ not json');
    assert.equal((await readOnnx(file)).llm?.architecture, 'llama', 'a broken config.json is ignored');
    rmSync(path.join(dir, 'config.json'));
    writeFileSync(path.join(dir, 'genai_config.json'), JSON.stringify({ model: { type: 'phi3', context_length: 4096 } }));
    const g = await readOnnx(file);
    assert.deepEqual([g.llm?.architecture, g.llm?.maxContext], ['phi3', 4096], 'onnxruntime-genai config');
  });

  it('models without a KV cache or attention ops are not LLMs (a CNN, a cache-less GPT export)', async () => {
    const cnn = await readOnnx(path.resolve(__dirname, '../../../../shared/models/onnx/squeezenet1_0.onnx'));
    assert.equal(cnn.llm, undefined);
    const refs = process.env.MODELLENS_REF_MODELS;
    if (refs === 'skip') return;
    assert.ok(refs, 'MODELLENS_REF_MODELS must point at the reference exports (scripts/test-deps.sh); set it to "skip" to opt out');
    const gpt = await readOnnx(path.join(refs, 'tiny_gpt_dynamic.onnx'));
    assert.equal(gpt.llm, undefined, 'no past/present and no attention op: nothing to base layers and heads on');
  });
});
