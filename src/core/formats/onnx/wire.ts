import { ModelError } from '../../errors';
import type { FileWindow } from './fileWindow';

/** Protobuf wire types (groups, 3 and 4, are deprecated and never used by ONNX). */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

/** One field of a message located in the file: [at, end) is its value (for varints, the varint bytes). */
export interface Field {
  no: number;
  wt: number;
  /** Offset of the tag: [tagAt, end) is the whole encoded field. */
  tagAt: number;
  at: number;
  end: number;
  /** Varint fields: the 64-bit value as two unsigned 32-bit halves (protobuf's LongBits layout). */
  lo: number;
  hi: number;
}

/**
 * Decodes the varint at file offset `pos` (not past `end`) into `out.lo/hi` and returns its end.
 * Hand-rolled rather than protobufjs's Reader because it runs once per field of every message:
 * no allocation per value keeps a 200k-node graph fast. Same algorithm as protobufjs's LongBits.
 */
export function varintAt(win: FileWindow, pos: number, end: number, what: string, out: { lo: number; hi: number }): number {
  const at = win.ensure(pos, Math.min(10, end - pos));
  const avail = Math.min(win.len - at, end - pos);
  const b = win.buf;
  let lo = 0;
  let hi = 0;
  let i = 0;
  for (;;) {
    if (i >= avail || i >= 10) throw new ModelError(`truncated or corrupt ${what} at offset ${pos}: ${i >= 10 ? 'varint longer than 10 bytes' : 'varint runs past the end of its message'}`);
    const x = b[at + i];
    if (i < 4) lo |= (x & 0x7f) << (7 * i);
    else if (i === 4) {
      lo |= (x & 0x0f) << 28;
      hi |= (x & 0x7f) >> 4;
    } else hi |= (x & 0x7f) << (7 * i - 32);
    i++;
    if (x < 0x80) break;
  }
  out.lo = lo >>> 0;
  out.hi = hi >>> 0;
  return pos + i;
}

/** Unsigned value; only exact below 2^53 (callers that need sizes use toSize). */
export function unsigned(v: { lo: number; hi: number }): number {
  return v.hi * 4294967296 + v.lo;
}

/** int64 value (two's complement); ±2^63 sentinels come out rounded, as any JS number would hold them. */
export function signed(v: { lo: number; hi: number }): number {
  return v.hi & 0x80000000 ? -((~v.hi >>> 0) * 4294967296 + (~v.lo >>> 0) + 1) : v.hi * 4294967296 + v.lo;
}

export function bigintOf(v: { lo: number; hi: number }): bigint {
  return (BigInt(v.hi) << 32n) | BigInt(v.lo);
}

/** A length or count: must be a safe, non-negative integer. */
export function toSize(v: { lo: number; hi: number }, what: string, at: number): number {
  if (v.hi > 0x1fffff) throw new ModelError(`corrupt ${what} at offset ${at}: size ${bigintOf(v)} is out of range`);
  return unsigned(v);
}

const scratch = { lo: 0, hi: 0 };

/**
 * Calls `each` for the fields of the message stored in [start, end). Every length is checked against
 * the enclosing message, so a truncated or bit-flipped file stops here with the offset of the problem.
 */
export function eachField(win: FileWindow, start: number, end: number, msg: string, each: (f: Field) => void): void {
  let pos = start;
  while (pos < end) {
    const tagAt = pos;
    pos = varintAt(win, pos, end, `${msg} field tag`, scratch);
    if (scratch.hi !== 0 || scratch.lo >>> 3 === 0) throw new ModelError(`corrupt ${msg} at offset ${tagAt}: invalid field tag`);
    const no = scratch.lo >>> 3;
    const wt = scratch.lo & 7;
    const f: Field = { no, wt, tagAt, at: pos, end: pos, lo: 0, hi: 0 };
    switch (wt) {
      case VARINT:
        f.end = varintAt(win, pos, end, `${msg} field ${no}`, f);
        break;
      case I64:
      case I32: {
        const n = wt === I64 ? 8 : 4;
        if (pos + n > end) throw new ModelError(`truncated ${msg} at offset ${pos}: field ${no} needs ${n} bytes, ${end - pos} remain`);
        f.end = pos + n;
        break;
      }
      case LEN: {
        const next = varintAt(win, pos, end, `${msg} field ${no} length`, scratch);
        const len = toSize(scratch, `${msg} field ${no} length`, pos);
        if (next + len > end) {
          throw new ModelError(`truncated or corrupt ${msg} at offset ${pos}: field ${no} claims ${len} bytes, only ${end - next} remain`);
        }
        f.at = next;
        f.end = next + len;
        break;
      }
      default:
        throw new ModelError(`corrupt ${msg} at offset ${tagAt}: field ${no} has invalid wire type ${wt}`);
    }
    pos = f.end;
    each(f);
  }
}

/** Little-endian fixed32 float / fixed64 double of a field. */
export function readFixed(win: FileWindow, f: Field): number {
  const at = win.ensure(f.at, f.end - f.at);
  return f.wt === I32 ? win.buf.readFloatLE(at) : win.buf.readDoubleLE(at);
}

export function readString(win: FileWindow, f: Field, maxLen: number, what: string): string {
  const n = f.end - f.at;
  if (n > maxLen) throw new ModelError(`${what} at offset ${f.at} is ${n} bytes long, over the limit of ${maxLen}`, 'limit');
  return win.text(f.at, n);
}
