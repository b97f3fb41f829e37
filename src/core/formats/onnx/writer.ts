// IR -> ModelProto. Small messages are encoded with the generated module; the message tree is kept as
// a list of chunks (encoded bytes, or a range of a source file holding tensor bytes) so that weights
// are copied from where they live straight into the output, a block at a time, never all in memory.
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import * as pb from 'protobufjs/minimal';
import { ModelError } from '../../errors';
import { SymDim, type Dim } from '../../ir/dim';
import type { Attribute, Graph, Model, Node, TensorType, ValueInfo } from '../../ir/graph';
import type { LazyTensor } from '../../ir/tensor';
import { onnx } from './schema/onnx';
import { dtypeToOnnx } from '../../ir/onnxDtypes';
import { extraOf } from './extras';

export interface WriteOnnxOptions {
  /**
   * 'keep' (default): tensors that came from an external data file go to `<out>.data` next to the
   * output; 'inline': every tensor goes into the .onnx file; `{ threshold }`: tensors of at least that
   * many bytes go to `<out>.data` (needed past the 2 GiB protobuf limit).
   */
  externalData?: 'keep' | 'inline' | { threshold: number };
}

type FileRange = { path: string; offset: number; length: number };
type Chunk = Uint8Array | FileRange;

/** A message under construction: its encoded size is known before any byte is written. */
class Msg {
  readonly chunks: Chunk[] = [];
  size = 0;

  bytes(b: Uint8Array): this {
    if (b.length) {
      this.chunks.push(b);
      this.size += b.length;
    }
    return this;
  }

  range(r: FileRange): this {
    this.chunks.push(r);
    this.size += r.length;
    return this;
  }

  /** A length-delimited field holding `m` (a message, or raw bytes for raw_data). */
  field(no: number, m: Msg): this {
    this.bytes(pb.Writer.create().uint32((no << 3) | 2).uint32(m.size).finish());
    for (const c of m.chunks) this.chunks.push(c);
    this.size += m.size;
    return this;
  }
}

const AT = onnx.AttributeProto.AttributeType;
const INT64_LIMIT = 2 ** 63;
interface LongStatic {
  MAX_VALUE: object;
  MIN_VALUE: object;
  fromNumber(v: number): object;
}
const Long = pb.util.Long as unknown as LongStatic;

/**
 * int64 for the wire: numbers at or past ±2^63 are the INT64_MAX/MIN sentinels (Slice ends) rounded by
 * float, which a plain conversion would wrap around. Typed `number` for the generated typings, which
 * accept a Long at run time.
 */
function int64(v: number): number {
  if (v >= INT64_LIMIT) return Long.MAX_VALUE as unknown as number;
  if (v <= -INT64_LIMIT) return Long.MIN_VALUE as unknown as number;
  return Long.fromNumber(Math.trunc(v)) as unknown as number;
}

class Encoder {
  /** Tensors going to the external data file, in write order. */
  readonly external: { range: FileRange | Uint8Array; offset: number }[] = [];
  externalSize = 0;

  constructor(private readonly model: Model, private readonly opts: WriteOnnxOptions, private readonly dataName: string) {}

  modelMsg(): Msg {
    const m = this.model;
    const extra = extraOf(m);
    const opsets = Object.entries(m.opsets).map(([domain, version]) => (domain ? { domain, version: int64(version) } : { version: int64(version) }));
    const joined = [extra?.producerName, extra?.producerVersion].filter(Boolean).join(' ') || undefined;
    const keepSplit = extra && joined === m.producer;
    const head: onnx.ModelProto.$Properties = {
      ir_version: int64(extra?.irVersion ?? defaultIrVersion(m.opsets[''] ?? 0)),
      opset_import: opsets,
      metadata_props: Object.entries(m.metadata).map(([key, value]) => ({ key, value })),
    };
    const name = keepSplit ? extra.producerName : m.producer;
    const version = keepSplit ? extra.producerVersion : undefined;
    if (name) head.producer_name = name;
    if (version) head.producer_version = version;
    const msg = new Msg().bytes(onnx.ModelProto.encode(head).finish());
    msg.field(7, this.graphMsg(m.graph));
    for (const r of extra?.raw ?? []) msg.bytes(r);
    return msg;
  }

  private graphMsg(g: Graph): Msg {
    const extra = extraOf(g);
    const msg = new Msg();
    if (g.name) msg.bytes(onnx.GraphProto.encode({ name: g.name }).finish());
    for (const n of g.nodes) msg.field(1, this.nodeMsg(n));
    for (const [name, t] of g.initializers) msg.field(5, this.tensorMsg(t.name === name ? t : { ...t, name }));
    const io: onnx.GraphProto.$Properties = {
      input: this.graphInputs(g, extra?.inputOrder).map(valueInfoProto),
      output: g.outputs.map(valueInfoProto),
      value_info: [...g.valueInfo.values()].map(valueInfoProto),
    };
    msg.bytes(onnx.GraphProto.encode(io).finish());
    for (const r of extra?.raw ?? []) msg.bytes(r);
    return msg;
  }

  /** The file's input order is kept, initializers it listed as inputs (IR < 4 files) included. */
  private graphInputs(g: Graph, order: string[] | undefined): ValueInfo[] {
    if (!order) return g.inputs;
    const byName = new Map(g.inputs.map((v) => [v.name, v]));
    const out: ValueInfo[] = [];
    for (const name of order) {
      const v = byName.get(name);
      const t = g.initializers.get(name);
      if (v) {
        out.push(v);
        byName.delete(name);
      } else if (t) out.push({ name, dtype: t.dtype, shape: [...t.dims] });
    }
    return out.concat([...byName.values()]);
  }

  private nodeMsg(n: Node): Msg {
    const extra = extraOf(n);
    const head: onnx.NodeProto.$Properties = { input: n.inputs, output: n.outputs, op_type: n.opType };
    if (n.name) head.name = n.name;
    const domain = extra?.domain !== undefined && n.domain === '' ? extra.domain : n.domain;
    if (domain) head.domain = domain;
    const msg = new Msg().bytes(onnx.NodeProto.encode(head).finish());
    for (const [name, a] of Object.entries(n.attrs)) msg.field(5, this.attrMsg(name, a, n));
    for (const r of extra?.raw ?? []) msg.bytes(r);
    return msg;
  }

  private attrMsg(name: string, a: Attribute, n: Node): Msg {
    const msg = new Msg();
    const head = (p: onnx.AttributeProto.$Properties) => msg.bytes(onnx.AttributeProto.encode({ name, ...p }).finish());
    switch (a.kind) {
      case 'float': return head({ type: AT.FLOAT, f: a.value });
      case 'int': return head({ type: AT.INT, i: int64(a.value) });
      case 'string': return head({ type: AT.STRING, s: Buffer.from(a.value, 'utf8') });
      case 'floats': return head({ type: AT.FLOATS, floats: a.value });
      case 'ints': return head({ type: AT.INTS, ints: a.value.map(int64) });
      case 'strings': return head({ type: AT.STRINGS, strings: a.value.map((s) => Buffer.from(s, 'utf8')) });
      case 'tensor': return head({ type: AT.TENSOR }).field(5, this.tensorMsg(a.value));
      case 'tensors': {
        head({ type: AT.TENSORS });
        for (const t of a.value) msg.field(10, this.tensorMsg(t));
        return msg;
      }
      case 'graph': return head({ type: AT.GRAPH }).field(6, this.graphMsg(a.value));
      case 'graphs': {
        head({ type: AT.GRAPHS });
        for (const g of a.value) msg.field(11, this.graphMsg(g));
        return msg;
      }
      case 'type': return head({ type: AT.TYPE_PROTO, tp: typeProto(a.value) });
      case 'json':
        throw new ModelError(`node ${n.name || n.id}: attribute "${name}" is not an ONNX attribute and cannot be written`, 'unsupported');
    }
  }

  private tensorMsg(t: LazyTensor): Msg {
    const extra = extraOf(t);
    const code = t.dtype === 'unknown' ? extra?.dataType : elemType(t.dtype, `tensor "${t.name}"`);
    if (code === undefined) throw new ModelError(`cannot write tensor "${t.name}": its element type is unknown`, 'unsupported');
    const head: onnx.TensorProto.$Properties = { dims: t.dims.map(int64), data_type: code };
    if (t.name) head.name = t.name;
    const s = t.source;
    if (s.kind === 'absent') throw new ModelError(`cannot write tensor "${t.name}": ${s.reason}`, 'io');
    const length = s.kind === 'inline' ? s.bytes.length : s.length;
    const msg = new Msg();
    if (t.dtype !== 'string' && this.goesExternal(t, length)) {
      const offset = align(this.externalSize);
      this.external.push({ range: s.kind === 'inline' ? s.bytes : s, offset });
      this.externalSize = offset + length;
      head.data_location = onnx.TensorProto.DataLocation.EXTERNAL;
      head.external_data = [
        { key: 'location', value: this.dataName },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ];
      msg.bytes(onnx.TensorProto.encode(head).finish());
    } else {
      msg.bytes(onnx.TensorProto.encode(head).finish());
      // string tensors keep their string_data among the raw fields.
      if (t.dtype !== 'string' && length > 0) msg.field(9, s.kind === 'inline' ? new Msg().bytes(s.bytes) : new Msg().range(s));
    }
    for (const r of extra?.raw ?? []) msg.bytes(r);
    return msg;
  }

  private goesExternal(t: LazyTensor, length: number): boolean {
    const o = this.opts.externalData ?? 'keep';
    if (o === 'inline') return false;
    if (o === 'keep') return t.source.kind === 'file' && path.resolve(t.source.path) !== path.resolve(this.model.file);
    return length >= o.threshold;
  }
}

/** IR dtypes without an ONNX code (none today, but formats may add some) are a user-facing error. */
function elemType(t: TensorType['dtype'], what: string): number {
  try {
    return dtypeToOnnx(t);
  } catch {
    throw new ModelError(`cannot write ${what}: ONNX has no element type ${t}`, 'unsupported');
  }
}

function align(n: number): number {
  return Math.ceil(n / 64) * 64;
}

function defaultIrVersion(opset: number): number {
  return opset >= 23 ? 11 : opset >= 21 ? 10 : opset >= 19 ? 9 : opset >= 15 ? 8 : 7;
}

function dimProto(d: Dim, orig?: onnx.TensorShapeProto.Dimension.$Properties): onnx.TensorShapeProto.Dimension.$Properties {
  const out: onnx.TensorShapeProto.Dimension.$Properties = {};
  if (typeof d === 'number') out.dim_value = int64(d);
  // Unnamed unknown dims get reader-made names (unk__N); they go back unnamed.
  else if (!(d instanceof SymDim && /^unk__\d+$/.test(d.text))) out.dim_param = d.text;
  if (orig?.denotation) out.denotation = orig.denotation;
  return out;
}

function typeProto(t: TensorType, orig?: onnx.TypeProto.$Properties | null): onnx.TypeProto.$Properties {
  const origDims = orig?.tensor_type?.shape?.dim ?? [];
  const tensor_type: onnx.TypeProto.Tensor.$Properties = { elem_type: t.dtype === 'unknown' ? (orig?.tensor_type?.elem_type ?? 0) : elemType(t.dtype, 'value') };
  if (t.shape) tensor_type.shape = { dim: t.shape.map((d, i) => dimProto(d, origDims[i])) };
  const out: onnx.TypeProto.$Properties = { tensor_type };
  if (orig?.denotation) out.denotation = orig.denotation;
  return out;
}

/** A sequence / optional type built from the IR (a pass that made the value has no file type to keep). */
function containerProto(v: ValueInfo): onnx.TypeProto.$Properties {
  const inner = typeProto({ dtype: v.dtype, shape: v.shape });
  const seq = v.container === 'optional' ? inner : { sequence_type: { elem_type: inner } };
  return v.container === 'sequence' ? seq : { optional_type: { elem_type: seq } };
}

function valueInfoProto(v: ValueInfo): onnx.ValueInfoProto.$Properties {
  const orig = extraOf(v)?.valueInfo;
  const out: onnx.ValueInfoProto.$Properties & { $unknowns?: Uint8Array[] } = { name: v.name };
  // Sequence/map/optional types: the file's own type goes back unchanged.
  if ((v.container || v.dtype === 'unknown') && orig?.type && !orig.type.tensor_type) out.type = orig.type;
  else if (v.container) out.type = containerProto(v);
  else if (v.dtype !== 'unknown' || v.shape || orig?.type) out.type = typeProto(v, orig?.type);
  if (orig?.doc_string) out.doc_string = orig.doc_string;
  if (orig?.metadata_props?.length) out.metadata_props = orig.metadata_props;
  if (orig?.$unknowns?.length) out.$unknowns = orig.$unknowns;
  return out;
}

/**
 * Writes the model atomically: to a temporary file in the same folder, renamed over `outFile` once
 * complete (a failed or interrupted write never leaves a half-written model). Weight bytes are copied
 * from their source ranges a block at a time.
 */
export async function writeOnnx(model: Model, outFile: string, opts: WriteOnnxOptions = {}): Promise<void> {
  const out = path.resolve(outFile);
  const dataName = `${path.basename(out)}.data`;
  const enc = new Encoder(model, opts, dataName);
  let msg: Msg;
  try {
    msg = enc.modelMsg();
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`cannot encode the model as ONNX: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
  }
  if (msg.size >= 2 ** 31) {
    throw new ModelError(`the model would be ${msg.size} bytes, over protobuf's 2 GiB limit: write its weights as external data`, 'limit');
  }
  const tmp: string[] = [];
  const copier = new Copier();
  try {
    let dataTmp: string | undefined;
    if (enc.external.length) {
      dataTmp = tempName(path.join(path.dirname(out), dataName));
      tmp.push(dataTmp);
      await copier.write(dataTmp, enc.external.flatMap(({ range, offset }, i) => {
        const prevEnd = i === 0 ? 0 : enc.external[i - 1].offset + chunkLength(enc.external[i - 1].range);
        return offset > prevEnd ? [new Uint8Array(offset - prevEnd), range] : [range];
      }));
    }
    const modelTmp = tempName(out);
    tmp.push(modelTmp);
    await copier.write(modelTmp, msg.chunks);
    if (dataTmp) await rename(dataTmp, path.join(path.dirname(out), dataName));
    await rename(modelTmp, out);
    tmp.length = 0;
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'io');
  } finally {
    await copier.close();
    for (const t of tmp) await unlink(t).catch(() => undefined);
  }
}

function chunkLength(c: Chunk): number {
  return c instanceof Uint8Array ? c.length : c.length;
}

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
}

/** Streams chunks to a file through one buffer; source files stay open until the write is done. */
class Copier {
  private readonly sources = new Map<string, FileHandle>();
  private readonly buf = Buffer.allocUnsafe(4 << 20);

  async write(file: string, chunks: Chunk[]): Promise<void> {
    const fh = await open(file, 'w');
    let fill = 0;
    const flush = async () => {
      let done = 0;
      while (done < fill) done += (await fh.write(this.buf, done, fill - done)).bytesWritten;
      fill = 0;
    };
    try {
      for (const c of chunks) {
        if (c instanceof Uint8Array) {
          if (c.length > this.buf.length - fill) await flush();
          if (c.length > this.buf.length) {
            let done = 0;
            while (done < c.length) done += (await fh.write(c, done, c.length - done)).bytesWritten;
          } else {
            this.buf.set(c, fill);
            fill += c.length;
          }
          continue;
        }
        const src = await this.source(c.path);
        for (let done = 0; done < c.length; ) {
          if (fill === this.buf.length) await flush();
          const want = Math.min(this.buf.length - fill, c.length - done);
          const { bytesRead } = await src.read(this.buf, fill, want, c.offset + done);
          if (bytesRead <= 0) throw new ModelError(`cannot copy weights: ${c.path} ends before byte ${c.offset + c.length}`, 'io');
          fill += bytesRead;
          done += bytesRead;
        }
      }
      await flush();
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  private async source(p: string): Promise<FileHandle> {
    let h = this.sources.get(p);
    if (!h) {
      try {
        h = await open(p, 'r');
      } catch (e) {
        throw new ModelError(`cannot read weights from ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'io');
      }
      this.sources.set(p, h);
    }
    return h;
  }

  async close(): Promise<void> {
    for (const h of this.sources.values()) await h.close().catch(() => undefined);
    this.sources.clear();
  }
}
