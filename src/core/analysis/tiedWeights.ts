import { closeSync, openSync, readSync } from 'node:fs';
import { dtypeBits } from '../ir/dtype';
import { elementCount, type LazyTensor } from '../ir/tensor';

/**
 * Tied and duplicated weights: initializers stored twice — equal, or one the transpose of the other
 * (torch.onnx writes GPT-2's tied lm_head as a transposed copy of wte). Found cheaply:
 *   1. candidates: tensors of at least MIN_TIED_ELEMENTS, grouped by dtype and shape up to a
 *      transpose (rank 2: [m, n] and [n, m]);
 *   2. SAMPLE_COUNT elements read at the same logical positions of each (a few hundred small reads),
 *      tensors whose samples differ are dropped, constant-filled ones too (zeros/ones initialisation
 *      is not tying);
 *   3. a full byte comparison of the survivors only, in chunks.
 * Square matrices are compared as equal only (a transposed square copy is not looked for).
 */
export const MIN_TIED_ELEMENTS = 4096;
export const SAMPLE_COUNT = 256;
/** A first, cheaper round of samples: only tensors that still collide get the full SAMPLE_COUNT. */
const FIRST_SAMPLES = 16;
/** Elements compared per chunk in the full check (bounded memory whatever the tensor size). */
const CHUNK_ELEMENTS = 1 << 20;

export interface TiedPair {
  /** The tensor kept (counted), and its copy. */
  kept: string;
  copy: string;
  relation: 'equal' | 'transpose';
  elements: number;
  /** Bytes of the copy. */
  bytes: number;
}

export interface TiedSearch {
  pairs: TiedPair[];
  /** How much work it took: tensors considered, sampled, and pairs compared in full. */
  candidates: number;
  sampled: number;
  fullChecks: number;
}

/** Element reads from a tensor's storage: file ranges through one descriptor per file. */
class ElementReader {
  private fds = new Map<string, number>();

  /** `count` elements of `width` bytes from element index `at`; undefined when unreadable. */
  read(t: LazyTensor, at: number, count: number, width: number): Uint8Array | undefined {
    const s = t.source;
    const off = at * width;
    const len = count * width;
    if (s.kind === 'inline') return off + len <= s.bytes.byteLength ? s.bytes.subarray(off, off + len) : undefined;
    if (s.kind !== 'file' || off + len > s.length) return undefined;
    try {
      let fd = this.fds.get(s.path);
      if (fd === undefined) this.fds.set(s.path, (fd = openSync(s.path, 'r')));
      const buf = Buffer.alloc(len);
      let done = 0;
      while (done < len) {
        const r = readSync(fd, buf, done, len - done, s.offset + off + done);
        if (r <= 0) return undefined;
        done += r;
      }
      return new Uint8Array(buf.buffer, buf.byteOffset, len);
    } catch {
      return undefined;
    }
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

/** Deterministic sample positions for a canonical shape (mulberry32 seeded by the element count). */
function samplePositions(rows: number, cols: number, count: number): [number, number][] {
  let a = (rows * 2654435761 + cols) >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: [number, number][] = [[0, 0], [rows - 1, cols - 1]];
  while (out.length < count) out.push([Math.floor(rnd() * rows), Math.floor(rnd() * cols)]);
  return out;
}

interface Candidate {
  t: LazyTensor;
  width: number;
  /** Canonical [rows, cols] (rank 2: larger dim first; otherwise [elements, 1]) and whether t is stored transposed to it. */
  rows: number;
  cols: number;
  flipped: boolean;
  key: string;
}

function candidate(t: LazyTensor): Candidate | undefined {
  const n = elementCount(t);
  const bits = dtypeBits(t.dtype);
  if (n < MIN_TIED_ELEMENTS || !bits || bits % 8 !== 0 || t.stored || t.source.kind === 'absent') return undefined;
  const width = bits / 8;
  if (t.dims.length === 2 && t.dims[0] !== t.dims[1]) {
    const [m, k] = t.dims;
    const flipped = m < k;
    const rows = Math.max(m, k);
    const cols = Math.min(m, k);
    return { t, width, rows, cols, flipped, key: `${t.dtype}|2|${rows}x${cols}` };
  }
  return { t, width, rows: n, cols: 1, flipped: false, key: `${t.dtype}|${t.dims.join('x')}` };
}

/** Flat storage index of canonical (i, j). */
const flat = (c: Candidate, i: number, j: number) => (c.flipped ? j * c.rows + i : i * c.cols + j);

function signature(c: Candidate, r: ElementReader, count: number): string | undefined {
  const parts: string[] = [];
  let constant = true;
  let first: string | undefined;
  for (const [i, j] of samplePositions(c.rows, c.cols, count)) {
    const b = r.read(c.t, flat(c, i, j), 1, c.width);
    if (!b) return undefined;
    const h = Buffer.from(b).toString('hex');
    if (first === undefined) first = h;
    else if (h !== first) constant = false;
    parts.push(h);
  }
  return constant ? undefined : parts.join('');
}

/** Elements as unsigned integers of their width (bit-exact comparison; 8-byte elements as two words). */
function words(b: Uint8Array, width: number): Uint8Array | Uint16Array | Uint32Array {
  const c = b.byteOffset % Math.min(width, 4) === 0 ? b : b.slice();
  if (width === 1) return c;
  if (width === 2) return new Uint16Array(c.buffer, c.byteOffset, c.byteLength / 2);
  return new Uint32Array(c.buffer, c.byteOffset, c.byteLength / 4);
}

/** Full comparison in canonical coordinates, a block of canonical rows at a time. */
function sameData(a: Candidate, b: Candidate, r: ElementReader): boolean {
  const w = a.width;
  const per = w === 8 ? 2 : 1; // words per element
  const rowsPerBlock = Math.max(1, Math.floor(CHUNK_ELEMENTS / a.cols));
  // Read the unflipped one in blocks of canonical rows; the flipped one a slice per stored row.
  const [x, y] = a.flipped && !b.flipped ? [b, a] : [a, b];
  for (let i0 = 0; i0 < x.rows; i0 += rowsPerBlock) {
    const n = Math.min(rowsPerBlock, x.rows - i0);
    const xb = x.flipped ? undefined : r.read(x.t, i0 * x.cols, n * x.cols, w);
    if (!x.flipped) {
      if (!xb) return false;
      if (!y.flipped) {
        const yb = r.read(y.t, i0 * y.cols, n * y.cols, w);
        if (!yb || !Buffer.from(xb.buffer, xb.byteOffset, xb.byteLength).equals(Buffer.from(yb.buffer, yb.byteOffset, yb.byteLength))) return false;
        continue;
      }
      const xv = words(xb, w);
      // Canonical rows i0..i0+n of the flipped one: one slice per stored row j, gathered as [cols][n].
      const yAll = new Uint8Array(y.cols * n * w);
      for (let j = 0; j < y.cols; j++) {
        const part = r.read(y.t, j * y.rows + i0, n, w);
        if (!part) return false;
        yAll.set(part, j * n * w);
      }
      const yv = words(yAll, w);
      // Compare in 64 x 64 tiles so that both strided sides stay in cache.
      const T = 64;
      const cols = x.cols;
      for (let ib = 0; ib < n; ib += T) {
        const ie = Math.min(n, ib + T);
        for (let jb = 0; jb < cols; jb += T) {
          const je = Math.min(cols, jb + T);
          for (let i = ib; i < ie; i++) {
            for (let j = jb; j < je; j++) {
              const xo = (i * cols + j) * per;
              const yo = (j * n + i) * per;
              if (xv[xo] !== yv[yo] || (per === 2 && xv[xo + 1] !== yv[yo + 1])) return false;
            }
          }
        }
      }
      continue;
    }
    // Both flipped (same stored layout): plain chunks.
    const xs = r.read(x.t, i0 * x.cols, n * x.cols, w);
    const ys = r.read(y.t, i0 * y.cols, n * y.cols, w);
    if (!xs || !ys || !Buffer.from(xs.buffer, xs.byteOffset, xs.byteLength).equals(Buffer.from(ys.buffer, ys.byteOffset, ys.byteLength))) return false;
  }
  return true;
}

/**
 * Tied pairs among `tensors` (in the order their first consumers run: the earlier one is kept).
 * Reads only the sampled elements of the candidates and the full bytes of the pairs that survive.
 */
export function findTiedWeights(tensors: readonly LazyTensor[]): TiedSearch {
  const groups = new Map<string, Candidate[]>();
  let candidates = 0;
  for (const t of tensors) {
    const c = candidate(t);
    if (!c) continue;
    candidates++;
    const g = groups.get(c.key);
    if (g) g.push(c);
    else groups.set(c.key, [c]);
  }
  const r = new ElementReader();
  const out: TiedSearch = { pairs: [], candidates, sampled: 0, fullChecks: 0 };
  try {
    for (const g of groups.values()) {
      if (g.length < 2) continue;
      const bucket = (cs: Candidate[], count: number): Candidate[][] => {
        const bySig = new Map<string, Candidate[]>();
        for (const c of cs) {
          const sig = signature(c, r, count);
          if (sig === undefined) continue;
          const same = bySig.get(sig);
          if (same) same.push(c);
          else bySig.set(sig, [c]);
        }
        return [...bySig.values()].filter((b) => b.length > 1);
      };
      out.sampled += g.length;
      // Cheap round first (distinct weights differ within a few samples), then the full sample.
      for (const same of bucket(g, FIRST_SAMPLES).flatMap((b) => bucket(b, SAMPLE_COUNT))) {
        const kept: Candidate[] = [];
        for (const c of same) {
          const rep = kept.find((k) => {
            out.fullChecks++;
            return sameData(k, c, r);
          });
          if (!rep) kept.push(c);
          else out.pairs.push({ kept: rep.t.name, copy: c.t.name, relation: rep.flipped === c.flipped ? 'equal' : 'transpose', elements: elementCount(c.t), bytes: elementCount(c.t) * c.width });
        }
      }
    }
  } finally {
    r.close();
  }
  return out;
}
