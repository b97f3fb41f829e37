import * as pb from 'protobufjs/minimal';
import { ModelError } from '../../errors';
import { sym, unknownDim, type Dim } from '../../ir/dim';
import type { Container, ValueInfo } from '../../ir/graph';
import { onnx } from './schema/onnx';
import { dtypeFromOnnx } from '../../ir/onnxDtypes';
import type { FileWindow } from './fileWindow';
import type { OnnxReadLimits } from './limits';
import type { Field } from './wire';
import type { Warnings } from './warnings';
import { setExtra } from './extras';

type Long = { toNumber(): number };
const num = (v: Long | number | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());

/**
 * Decodes a small message whole with the generated module. protobufjs keeps fields it does not know in
 * `$unknowns`; they are reported as warnings (and re-encoded by the writer, which emits `$unknowns`).
 */
export function decodeLeaf<T extends object>(win: FileWindow, f: Field, type: { decode(r: pb.Reader): T }, name: string, limits: OnnxReadLimits, warnings: Warnings): T {
  const n = f.end - f.at;
  if (n > limits.maxMessageBytes) throw new ModelError(`${name} at offset ${f.at} is ${n} bytes, over the limit of ${limits.maxMessageBytes}`, 'limit');
  const bytes = win.bytes(f.at, n);
  let m: T;
  try {
    const r = pb.Reader.create(bytes);
    // protobufjs drops unknown fields unless told otherwise; kept, they are reported and written back.
    r.discardUnknown = false;
    m = type.decode(r);
  } catch (e) {
    throw new ModelError(`corrupt ${name} at offset ${f.at}: ${(e as Error).message}`);
  }
  reportUnknowns(m, name, warnings, 0);
  return m;
}

function reportUnknowns(m: object, name: string, warnings: Warnings, depth: number): void {
  const unknowns = (m as { $unknowns?: Uint8Array[] }).$unknowns;
  if (unknowns?.length) warnings.add(`unknown fields in ${name}: not part of ONNX 1.20, kept as they are`);
  if (depth > 100) return;
  for (const [k, v] of Object.entries(m)) {
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array || isLong(v)) continue;
    const items: unknown[] = Array.isArray(v) ? v : [v];
    for (const it of items) {
      if (it && typeof it === 'object' && !(it instanceof Uint8Array) && !isLong(it)) reportUnknowns(it, `${name}.${k}`, warnings, depth + 1);
    }
  }
}

function isLong(v: object): boolean {
  return 'low' in v && 'high' in v && 'unsigned' in v;
}

export function opsetToIr(o: onnx.OperatorSetIdProto): { domain: string; version: number } {
  const d = o.domain ?? '';
  return { domain: d === 'ai.onnx' ? '' : d, version: num(o.version as Long | null) };
}

/**
 * Tensor types map to dtype + shape; sequences and optionals of tensors to their element's dtype and
 * shape with a `container`; other types (maps, sparse tensors) to 'unknown'. The proto is kept.
 */
export function valueInfoToIr(v: onnx.ValueInfoProto): ValueInfo {
  const out: ValueInfo = { name: v.name ?? '', dtype: 'unknown' };
  let t = v.type;
  let container: Container | undefined;
  if (t?.optional_type) {
    container = 'optional';
    t = t.optional_type.elem_type;
  }
  if (t?.sequence_type) {
    container = container ? 'optional-sequence' : 'sequence';
    t = t.sequence_type.elem_type;
  }
  const tt = t?.tensor_type;
  if (container && t) out.container = container;
  if (tt) {
    out.dtype = dtypeFromOnnx(tt.elem_type);
    if (tt.shape) {
      out.shape = (tt.shape.dim ?? []).map((d): Dim => {
        if (d.dim_value !== null && d.dim_value !== undefined) {
          const x = num(d.dim_value as Long);
          // Exporters write -1 for "unknown"; it is not a size.
          return x >= 0 ? x : unknownDim();
        }
        if (d.dim_param) return sym(d.dim_param);
        return unknownDim();
      });
    }
  }
  setExtra(out, { valueInfo: v });
  return out;
}
