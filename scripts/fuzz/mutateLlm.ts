// Hugging Face checkpoints for the fuzzer: small configs of every family (the shared five and the
// tests' unseen ones, shrunk to 2 layers × 64 wide), safetensors shards with the real tensor names,
// and mutations of the header length, header JSON, dtypes, shapes, offsets, index shard names and
// config fields. Every outcome must be an analysis or a one-line ModelError.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hfTensors } from '../../test/unit/llm/checkpoints';
import { UNSEEN } from '../../test/unit/llm/configs';
import type { TensorSpec } from '../../test/unit/llm/safetensorsWriter';
import type { FuzzCase, Rng } from './mutate';

const LLM = path.resolve(__dirname, '../../../shared/models/llm');
const SHARED = ['llama-2-7b', 'mistral-7b-v0.1', 'mixtral-8x7b-v0.1', 'gpt2', 'phi-3-mini-4k-instruct'];
const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];
const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8, U8: 1 };

type Cfg = Record<string, unknown>;

function baseConfigs(): Cfg[] {
  return [...SHARED.map((d) => JSON.parse(readFileSync(path.join(LLM, d, 'config.json'), 'utf8')) as Cfg), ...UNSEEN.map((u) => u.config)];
}

/** The same architecture at toy size: 2 layers, hidden 64, 4 heads, ≤ 4 experts. */
function shrink(c: Cfg): Cfg {
  const s: Cfg = { ...c };
  const set = (keys: string[], v: number) => keys.forEach((k) => k in s && (s[k] = v));
  set(['num_hidden_layers', 'n_layer'], 2);
  set(['hidden_size', 'n_embd'], 64);
  set(['num_attention_heads', 'n_head'], 4);
  set(['num_key_value_heads', 'num_kv_heads'], 2);
  set(['head_dim'], 16);
  set(['intermediate_size', 'n_inner'], 128);
  set(['moe_intermediate_size'], 32);
  set(['shared_expert_intermediate_size'], 64);
  set(['num_local_experts', 'num_experts'], 4);
  set(['num_experts_per_tok'], 2);
  set(['vocab_size'], 100);
  set(['n_positions', 'n_ctx', 'max_position_embeddings'], 64);
  set(['sliding_window'], 16);
  if (!('n_positions' in s) && !('max_position_embeddings' in s)) s.max_position_embeddings = 64;
  return s;
}

function safetensors(ts: TensorSpec[], edit?: (h: Record<string, any>) => void): Buffer {
  const header: Record<string, any> = { __metadata__: { format: 'pt' } };
  let off = 0;
  for (const t of ts) {
    const n = t.shape.reduce((a, b) => a * b, 1) * (BYTES[t.dtype] ?? 4);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + n] };
    off += n;
  }
  edit?.(header);
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(off)]);
}

const HUGE_LEN = [2n ** 63n, 2n ** 64n - 1n, 0n, 1n, 2n ** 32n, 7n];
const BAD_SHARDS = ['../outside.safetensors', '/etc/passwd', 'sub/../../x.safetensors', 'a\u0000b.safetensors', 'C:\\\\x.safetensors', '.', 'missing.safetensors'];
const BAD_VALUES: unknown[] = [1e9, -1, 0, '32', null, { a: 1 }, [1, 2], 2 ** 60, 1.5, true];
const MODEL_TYPES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'llama ', 'LLAMA', 'mamba', '', 42];

export function mutateLlm(r: Rng, id: number): FuzzCase {
  const cfg = shrink(pick(r, baseConfigs()));
  const mt = String(cfg.model_type);
  const dtype = pick(r, ['F32', 'F16', 'BF16']);
  const ts = hfTensors(cfg, dtype);
  const k = pick(r, ['valid', 'header-len', 'header-truncate', 'header-bitflip', 'json-deep', 'dtype', 'shape', 'offsets', 'index-shard', 'index-json', 'config-field', 'config-type', 'config-deep', 'config-truncate', 'no-config', 'missing-tensor'] as const);
  const files: FuzzCase['files'] = [];
  let label = `llm ${k} ${mt}`;
  let config: string = JSON.stringify(cfg);
  let main = pick(r, ['config.json', 'model.safetensors', '.']);
  let st = safetensors(ts);
  switch (k) {
    case 'header-len': {
      const v = pick(r, HUGE_LEN);
      st.writeBigUInt64LE(v, 0);
      label += ` ${v}`;
      break;
    }
    case 'header-truncate':
      st = st.subarray(0, int(r, Math.min(st.length, 8 + st.readUInt32LE(0) + 16)));
      break;
    case 'header-bitflip': {
      const n = st.readUInt32LE(0);
      for (let i = 0; i < 1 + int(r, 8); i++) st[8 + int(r, n)] ^= 1 << int(r, 8);
      break;
    }
    case 'json-deep': {
      const body = Buffer.from(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(body.length));
      st = Buffer.concat([len, body]);
      break;
    }
    case 'dtype':
      st = safetensors(ts, (h) => (h[pick(r, ts).name].dtype = pick(r, ['Q4', '', 123, 'F8_E4M3', 'I64', 'F6_E2M3', null])));
      break;
    case 'shape':
      st = safetensors(ts, (h) => (h[pick(r, ts).name].shape = pick(r, [[2 ** 53, 2], [-1], 'x', [], Array.from({ length: 70 }, () => 1), [1.5], [2 ** 31, 2 ** 31]])));
      break;
    case 'offsets':
      st = safetensors(ts, (h) => (h[pick(r, ts).name].data_offsets = pick(r, [[10, 5], [0, 2 ** 60], ['a', 'b'], [0], [0, 4], [-4, 0]])));
      break;
    case 'index-shard':
    case 'index-json': {
      const half = Math.ceil(ts.length / 2);
      const names = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
      files.push({ name: names[0], data: safetensors(ts.slice(0, half)) }, { name: names[1], data: safetensors(ts.slice(half)) });
      const map: Record<string, string> = {};
      ts.forEach((t, i) => (map[t.name] = names[i < half ? 0 : 1]));
      if (k === 'index-shard') map[pick(r, ts).name] = pick(r, BAD_SHARDS);
      let index = JSON.stringify({ metadata: { total_size: 1 }, weight_map: map });
      if (k === 'index-json') index = pick(r, [index.slice(0, int(r, index.length)), `{"weight_map": ${'['.repeat(50_000)}`, '{"weight_map": 3}', '[]', '{"weight_map": {"w": 7}}']);
      files.push({ name: 'model.safetensors.index.json', data: index });
      main = pick(r, ['config.json', 'model.safetensors.index.json', names[1], '.']);
      label += ` main=${main}`;
      files.push({ name: 'config.json', data: config });
      return { id, label, files, main };
    }
    case 'config-field': {
      const keys = Object.keys(cfg).filter((x) => typeof cfg[x] === 'number' || typeof cfg[x] === 'boolean');
      const key = pick(r, keys);
      const v = pick(r, BAD_VALUES);
      config = JSON.stringify({ ...cfg, [key]: v });
      label += ` ${key}=${JSON.stringify(v)}`;
      break;
    }
    case 'config-type': {
      const v = pick(r, MODEL_TYPES);
      config = JSON.stringify({ ...cfg, model_type: v });
      label += ` model_type=${JSON.stringify(v)}`;
      break;
    }
    case 'config-deep':
      config = `{"model_type": "llama", "x": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
      break;
    case 'config-truncate':
      config = config.slice(0, int(r, config.length));
      break;
    case 'missing-tensor':
      st = safetensors(ts.filter((_, i) => i % 3 !== 0));
      break;
    default:
      break;
  }
  files.push({ name: 'model.safetensors', data: st });
  if (k !== 'no-config') files.push({ name: 'config.json', data: config });
  else if (main === 'config.json') main = 'model.safetensors';
  label += ` main=${main}`;
  return { id, label, files, main };
}
