import path from 'node:path';
import type { Model } from '../../ir/graph';
import { buildLlmModel } from '../hf/build';
import type { GgufValue } from './header';
import { readGgufAsHf } from './index';

/**
 * A GGUF file (any shard of a split) → the IR, through the same builder as a Hugging Face checkpoint:
 * GGUF metadata → config.json-like object, llama.cpp tensor names → HF names (`toHf.ts`), then
 * `buildLlmModel`. The graph is checked against the file's tensors; parameters are theirs, bytes are
 * the ggml storage (`stored`), so the summary shows weight bytes by ggml type.
 */
export function readGgufModel(file: string): Model {
  const abs = path.resolve(file);
  const { gguf, hf } = readGgufAsHf(abs);
  const tensors = new Map(hf.tensors.map((t) => [t.name, t]));
  const metadata: Record<string, string> = Object.create(null);
  metadata['gguf.version'] = String(gguf.version);
  if (gguf.shards.length > 1) metadata.shards = String(gguf.shards.length);
  for (const [k, v] of gguf.kv) if (SHOWN.test(k)) metadata[k] = shown(v);
  for (const [t, b] of hf.storedBytesByType) metadata[`gguf.bytes.${t}`] = String(b);
  const warnings = [...hf.warnings];
  if (hf.extra.length) warnings.push(`${hf.extra.length} llama.cpp-only tensor(s) not counted as parameters: ${hf.extra.map((t) => t.name).slice(0, 4).join(', ')}`);
  return buildLlmModel(hf.config, tensors, { file: abs, format: 'gguf', source: 'gguf', metadata: { ...metadata }, warnings });
}

/** Metadata shown with the model: who made it and how (not the tokenizer arrays or per-arch numbers). */
const SHOWN = /^(general\.(name|basename|architecture|size_label|finetune|version|organization|license|quantized_by|file_type|quantization_version|alignment)|split\.count)$/;

function shown(v: GgufValue): string {
  if (v.type === 'array') return `[${v.count} ${v.elementType}]`;
  return String(v.value).slice(0, 200);
}
