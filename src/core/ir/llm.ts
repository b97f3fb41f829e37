/**
 * What a decoder (or encoder) language model is, as its reader or a recogniser found it: the input of
 * the LLM analysis (KV cache, prefill/decode cost, memory plan). Every source fills the same record —
 * a Hugging Face config.json, GGUF metadata, or an ONNX export's attention nodes and past/present
 * values — so the numbers come from one analysis whatever the file.
 */
export interface LlmInfo {
  /** HF `model_type` (llama, mistral, mixtral, qwen2, gpt2, ...); GGUF's architecture is mapped onto it. */
  architecture: string;
  layers: number;
  hiddenSize: number;
  /** Query heads. */
  heads: number;
  /** Key/value heads (GQA/MQA); equals `heads` for multi-head attention. */
  kvHeads: number;
  headDim: number;
  vocab: number;
  /** The longest context the model was trained for, when the file says. */
  maxContext?: number;
  /** Routed experts per MoE layer and how many a token uses (absent for dense models). */
  experts?: number;
  expertsPerToken?: number;
  sharedExperts?: number;
  /** Per layer (length `layers`): full attention, a sliding window of `window` tokens, or no KV cache. */
  attention?: LlmAttentionKind[];
  tiedEmbeddings?: boolean;
  /** A bidirectional encoder (BERT): no KV cache and no decode step. */
  encoder?: boolean;
  /**
   * The graph's symbolic dims for batch and new tokens (default `batch`, `sequence`), and for exports
   * with a KV cache, the past and total lengths: the LLM analysis binds them to one token with no
   * past (batch 1, sequence 1, past 0, total 1) to read the per-token costs of the graph.
   */
  dims?: { batch: string; sequence: string; past?: string; total?: string };
  /**
   * ONNX exports: the graph inputs that feed the KV cache (past_key_values.N.key/value) and the
   * outputs that return it (present.N.key/value), in layer order.
   */
  kvCache?: { past: string[]; present: string[] };
  /** Where the record came from. */
  source: 'config' | 'gguf' | 'onnx';
}

export type LlmAttentionKind = { kind: 'full' } | { kind: 'sliding'; window: number } | { kind: 'none' };
