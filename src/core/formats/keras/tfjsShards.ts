// A new tfjs weightsManifest and its one shard file, from the old manifest's entries (copied byte for
// byte) and the tensors an optimization pass computed. The shard gets a new, content-addressed name:
// the original shards are never overwritten, so the original model.json (after an undo) still matches them.
import { createHash } from 'node:crypto';
import { readEntryBytes, type TfjsEntry, type TfjsManifest } from './tfjsWeights';

/** One weight of the new manifest: an old entry kept as stored (quantization too), or new float32 values. */
export type ShardItem =
  | { kind: 'copy'; entry: TfjsEntry }
  | { kind: 'new'; name: string; dims: readonly number[]; values: Float32Array };

export interface ShardRewrite {
  /** The new weightsManifest value (one group, one shard). */
  manifest: { paths: string[]; weights: Record<string, unknown>[] }[];
  /** File name of the shard, beside the model.json: `<stem>.modellens-<hash>.bin`. */
  name: string;
  bytes: Uint8Array;
}

const HASH_LENGTH = 12;
const SHARD_NAME = new RegExp(`\\.modellens-[0-9a-f]{${HASH_LENGTH}}\\.bin$`);

/** Whether a shard file name is one buildShard made (a rewrite's weights, not the converter's). */
export function isRewrittenShard(file: string): boolean {
  return SHARD_NAME.test(file);
}

/** `stem`: the model.json's base name without extension. */
export function buildShard(old: TfjsManifest, items: readonly ShardItem[], stem: string): ShardRewrite {
  const parts: Uint8Array[] = [];
  const weights: Record<string, unknown>[] = [];
  for (const it of items) {
    if (it.kind === 'copy') {
      parts.push(readEntryBytes(old, it.entry));
      weights.push(it.entry.spec);
    } else {
      parts.push(float32LE(it.values));
      weights.push({ name: it.name, shape: [...it.dims], dtype: 'float32' });
    }
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  const hash = createHash('sha256').update(bytes).update(JSON.stringify(weights)).digest('hex').slice(0, HASH_LENGTH);
  const name = `${stem}.modellens-${hash}.bin`;
  return { manifest: [{ paths: [name], weights }], name, bytes };
}

/** tfjs shards are little-endian whatever the host. */
function float32LE(v: Float32Array): Uint8Array {
  const out = new Uint8Array(v.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) dv.setFloat32(i * 4, v[i], true);
  return out;
}

/**
 * The manifest name of weight `local` of a layer whose existing entries are named like `sample`
 * (`model/dense_1/kernel`, `dense_1/kernel:0`): the sample's prefix and `:N` suffix are kept. A layer
 * inserted by the pass (`rename`: from → to) takes its origin's prefix with the layer name replaced.
 */
export function entryName(sample: { name: string; local: string } | undefined, local: string, rename?: { from: string; to: string }): string {
  if (!sample) return `${rename?.to ?? ''}${rename ? '/' : ''}${local}`;
  const raw = sample.name;
  const suffix = /:\d+$/.exec(raw)?.[0] ?? '';
  const bare = raw.slice(0, raw.length - suffix.length);
  let prefix = bare.endsWith(sample.local) ? bare.slice(0, bare.length - sample.local.length) : bare.replace(/[^/]*$/, '');
  if (rename) prefix = prefix.endsWith(`${rename.from}/`) ? `${prefix.slice(0, prefix.length - rename.from.length - 1)}${rename.to}/` : `${rename.to}/`;
  return `${prefix}${local}${suffix}`;
}
