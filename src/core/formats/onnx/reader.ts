// Streaming ONNX reader. ModelProto, GraphProto, NodeProto, AttributeProto and TensorProto are walked at
// the wire level with positional reads, so weight payloads (raw_data, packed float_data) are located
// but never read: a 650 MB model opens while holding only its structure. Small messages (ValueInfoProto,
// OperatorSetIdProto, ...) are decoded whole with the generated protobufjs module.
import path from 'node:path';
import type * as pb from 'protobufjs/minimal';
import { ModelError } from '../../errors';
import type { Attribute, Graph, Model, Node, ValueInfo } from '../../ir/graph';
import type { LazyTensor, TensorSource } from '../../ir/tensor';
import { byteSize } from '../../ir/dtype';
import { recogniseOnnxLlm } from './onnxLlm';
import { onnx } from './schema/onnx';
import { dtypeFromOnnx } from '../../ir/onnxDtypes';
import { FileWindow } from './fileWindow';
import { DEFAULT_ONNX_LIMITS, type OnnxReadLimits } from './limits';
import { eachField, I32, LEN, VARINT, readFixed, readString, signed, unsigned, varintAt, type Field } from './wire';
import { addRaw, setExtra, type OnnxExtra } from './extras';
import { decodeLeaf, opsetToIr, valueInfoToIr } from './leaf';
import { ExternalData } from './externalData';
import { Warnings } from './warnings';
import { decodeTypedValues } from './typedValues';
import { dict, plain, table } from '../../tables';
import { requireRegularFile } from '../modelFiles';

export interface ReadOnnxOptions {
  limits?: Partial<OnnxReadLimits>;
  /** raw_data up to this size is read with its message (shape constants); larger becomes a file range. */
  inlineBytes?: number;
  /** Size of the read window. */
  windowBytes?: number;
  /** Called for every positional read of the model file (tests use it to prove weights are not read). */
  onRead?: (offset: number, length: number) => void;
}

export async function readOnnx(file: string, opts: ReadOnnxOptions = {}): Promise<Model> {
  return readOnnxSync(file, opts);
}

/** The dispatcher in formats/index.ts calls this name. */
export function readOnnxFile(file: string, opts: ReadOnnxOptions = {}): Model {
  return readOnnxSync(file, opts);
}

export function readOnnxSync(file: string, opts: ReadOnnxOptions = {}): Model {
  const abs = path.resolve(file);
  // A FIFO or a device (directly or through a link) would block or never end: refused before opening.
  requireRegularFile(abs);
  const win = new FileWindow(abs, opts.windowBytes, opts.onRead);
  try {
    const r = new OnnxWalker(win, abs, { ...DEFAULT_ONNX_LIMITS, ...opts.limits }, opts.inlineBytes ?? 256);
    return r.model();
  } catch (e) {
    if (e instanceof ModelError) throw e;
    // A bug or an exhausted resource on hostile input: still one line naming the file's problem.
    throw new ModelError(`cannot read ONNX model: ${(e as Error).message ?? String(e)}`.split('\n')[0]);
  } finally {
    win.close();
  }
}

const AT = onnx.AttributeProto.AttributeType;
const FIELD_NAMES: Record<string, Record<number, string>> = {
  ModelProto: { 1: 'ir_version', 2: 'producer_name', 3: 'producer_version', 4: 'domain', 5: 'model_version', 6: 'doc_string', 7: 'graph', 8: 'opset_import', 14: 'metadata_props', 20: 'training_info', 25: 'functions', 26: 'configuration' },
  GraphProto: { 1: 'node', 2: 'name', 5: 'initializer', 10: 'doc_string', 11: 'input', 12: 'output', 13: 'value_info', 14: 'quantization_annotation', 15: 'sparse_initializer', 16: 'metadata_props' },
  NodeProto: { 1: 'input', 2: 'output', 3: 'name', 4: 'op_type', 5: 'attribute', 6: 'doc_string', 7: 'domain', 8: 'overload', 9: 'metadata_props', 10: 'device_configurations' },
  AttributeProto: { 1: 'name', 2: 'f', 3: 'i', 4: 's', 5: 't', 6: 'g', 7: 'floats', 8: 'ints', 9: 'strings', 10: 'tensors', 11: 'graphs', 13: 'doc_string', 14: 'tp', 15: 'type_protos', 20: 'type', 21: 'ref_attr_name', 22: 'sparse_tensor', 23: 'sparse_tensors' },
  TensorProto: { 1: 'dims', 2: 'data_type', 3: 'segment', 4: 'float_data', 5: 'int32_data', 6: 'string_data', 7: 'int64_data', 8: 'name', 9: 'raw_data', 10: 'double_data', 11: 'uint64_data', 12: 'doc_string', 13: 'external_data', 14: 'data_location', 16: 'metadata_props' },
};

class OnnxWalker {
  readonly warnings = new Warnings();
  private nodes = 0;
  private tensors = 0;
  private kept = 0;
  private readonly ext: ExternalData;

  constructor(private readonly win: FileWindow, private readonly file: string, private readonly limits: OnnxReadLimits, private readonly inlineBytes: number) {
    this.ext = new ExternalData(path.dirname(file), this.warnings);
  }

  model(): Model {
    if (this.win.size === 0) throw new ModelError('empty file');
    const extra: OnnxExtra = {};
    const opsets = dict<number>();
    const metadata = dict<string>();
    let graphField = undefined as Field | undefined;
    try {
      this.modelFields(extra, opsets, metadata, (f) => {
        graphField = f;
      });
    } catch (e) {
      // Nothing ONNX-like before the problem: say what the file is not, not where its "protobuf" broke.
      if (e instanceof ModelError && extra.irVersion === undefined && extra.producerName === undefined && !graphField) {
        throw new ModelError(`not an ONNX model: ${e.message}`, e.code);
      }
      throw e;
    }
    if (!graphField) {
      throw new ModelError(extra.irVersion === undefined && Object.keys(opsets).length === 0 ? 'not an ONNX model: no ModelProto fields found' : 'not an ONNX model: no graph');
    }
    if (extra.irVersion === undefined) this.warnings.add('ir_version is missing');
    const graph = this.graph(graphField, 0, 'main graph');
    const producer = [extra.producerName, extra.producerVersion].filter(Boolean).join(' ') || undefined;
    const model: Model = { format: 'onnx', file: this.file, graph, opsets: plain(opsets), producer, metadata: plain(metadata), warnings: this.warnings.list() };
    setExtra(model, extra);
    const llm = recogniseOnnxLlm(model);
    if (llm) model.llm = llm;
    return model;
  }

  private modelFields(extra: OnnxExtra, opsets: Record<string, number>, metadata: Record<string, string>, onGraph: (f: Field) => void): void {
    let graphs = 0;
    eachField(this.win, 0, this.win.size, 'ModelProto', (f) => {
      switch (f.no) {
        case 1: this.expect(f, VARINT, 'ModelProto'); extra.irVersion = unsigned(f); break;
        case 2: this.expect(f, LEN, 'ModelProto'); extra.producerName = this.str(f, 'producer_name'); break;
        case 3: this.expect(f, LEN, 'ModelProto'); extra.producerVersion = this.str(f, 'producer_version'); break;
        case 7:
          this.expect(f, LEN, 'ModelProto');
          if (graphs++) this.warnings.add('the model holds more than one graph field; the last one is used');
          onGraph(f);
          break;
        case 8: {
          this.expect(f, LEN, 'ModelProto');
          const o = opsetToIr(decodeLeaf(this.win, f, onnx.OperatorSetIdProto, 'OperatorSetIdProto', this.limits, this.warnings));
          opsets[o.domain] = o.version;
          break;
        }
        case 14: {
          this.expect(f, LEN, 'ModelProto');
          const kv = decodeLeaf(this.win, f, onnx.StringStringEntryProto, 'StringStringEntryProto', this.limits, this.warnings);
          metadata[kv.key ?? ''] = kv.value ?? '';
          break;
        }
        case 4: case 5: case 6: case 20: case 25: case 26:
          this.checkKnownLeaf(f, 'ModelProto');
          this.keep(extra, f, 'ModelProto');
          break;
        default:
          this.unknown(extra, f, 'ModelProto');
      }
    });
  }

  private graph(gf: Field, depth: number, where: string): Graph {
    if (depth > this.limits.maxGraphDepth) {
      throw new ModelError(`subgraphs are nested more than ${this.limits.maxGraphDepth} deep (at offset ${gf.at})`, 'limit');
    }
    const extra: OnnxExtra = {};
    const g: Graph = { name: '', nodes: [], inputs: [], outputs: [], initializers: new Map(), valueInfo: new Map() };
    const declaredInputs: ValueInfo[] = [];
    const used = new Set<string>();
    eachField(this.win, gf.at, gf.end, 'GraphProto', (f) => {
      switch (f.no) {
        case 1: this.expect(f, LEN, 'GraphProto'); g.nodes.push(this.node(f, depth, g.nodes.length, used)); break;
        case 2: this.expect(f, LEN, 'GraphProto'); g.name = this.str(f, 'graph name'); break;
        case 5: {
          this.expect(f, LEN, 'GraphProto');
          const t = this.tensor(f, `initializer #${g.initializers.size}`);
          if (g.initializers.has(t.name)) this.warnings.add(`initializer "${t.name}" is defined twice in ${where}; the last one is used`);
          g.initializers.set(t.name, t);
          break;
        }
        case 11: case 12: case 13: {
          this.expect(f, LEN, 'GraphProto');
          const vi = valueInfoToIr(decodeLeaf(this.win, f, onnx.ValueInfoProto, 'ValueInfoProto', this.limits, this.warnings));
          if (f.no === 11) declaredInputs.push(vi);
          else if (f.no === 12) g.outputs.push(vi);
          else g.valueInfo.set(vi.name, vi);
          break;
        }
        case 15:
          this.checkKnownLeaf(f, 'GraphProto');
          this.warnings.add('sparse initializers are kept when writing but not counted in the analysis');
          this.keep(extra, f, 'GraphProto');
          break;
        case 10: case 14: case 16:
          this.checkKnownLeaf(f, 'GraphProto');
          this.keep(extra, f, 'GraphProto');
          break;
        default:
          this.unknown(extra, f, 'GraphProto');
      }
    });
    checkSingleAssignment(g, where);
    g.inputs = declaredInputs.filter((v) => !g.initializers.has(v.name));
    if (g.inputs.length !== declaredInputs.length) extra.inputOrder = declaredInputs.map((v) => v.name);
    setExtra(g, extra);
    return g;
  }

  private node(nf: Field, depth: number, index: number, used: Set<string>): Node {
    if (++this.nodes > this.limits.maxNodes) throw new ModelError(`the model has more than ${this.limits.maxNodes} nodes, subgraphs included (limit ${this.limits.maxNodes})`, 'limit');
    const extra: OnnxExtra = {};
    const n: Node = { id: '', name: '', opType: '', domain: '', inputs: [], outputs: [], attrs: dict(), source: { offset: nf.at, length: nf.end - nf.at } };
    eachField(this.win, nf.at, nf.end, 'NodeProto', (f) => {
      switch (f.no) {
        case 1: this.expect(f, LEN, 'NodeProto'); n.inputs.push(this.str(f, 'node input name')); break;
        case 2: this.expect(f, LEN, 'NodeProto'); n.outputs.push(this.str(f, 'node output name')); break;
        case 3: this.expect(f, LEN, 'NodeProto'); n.name = this.str(f, 'node name'); break;
        case 4: this.expect(f, LEN, 'NodeProto'); n.opType = this.str(f, 'op_type'); break;
        case 7: {
          this.expect(f, LEN, 'NodeProto');
          const d = this.str(f, 'node domain');
          n.domain = d === 'ai.onnx' ? '' : d;
          if (d !== n.domain) extra.domain = d;
          break;
        }
        case 5: {
          this.expect(f, LEN, 'NodeProto');
          const a = this.attribute(f, depth);
          if (a.attr) {
            if (Object.prototype.hasOwnProperty.call(n.attrs, a.name)) this.warnings.add(`node ${n.name || n.opType} has attribute "${a.name}" twice; the last one is used`);
            n.attrs[a.name] = a.attr;
          } else addRaw(extra, this.win.bytes(f.tagAt, f.end - f.tagAt));
          break;
        }
        case 6: case 8: case 9: case 10:
          this.checkKnownLeaf(f, 'NodeProto');
          this.keep(extra, f, 'NodeProto');
          break;
        default:
          this.unknown(extra, f, 'NodeProto');
      }
    });
    if (!n.opType) throw new ModelError(`corrupt NodeProto at offset ${nf.at}: node ${n.name ? `"${n.name}" ` : ''}has no op_type`);
    let id = n.name || `${n.opType}_${index}`;
    while (used.has(id)) id = `${id}#${index}`;
    used.add(id);
    n.id = id;
    setExtra(n, extra);
    return n;
  }

  /** An attribute the IR cannot hold (sparse tensors, type protos, function references) comes back without `attr`. */
  private attribute(af: Field, depth: number): { name: string; attr?: Attribute } {
    let name = '';
    let type: number | undefined;
    let f1: number | undefined;
    let i1: number | undefined;
    let s1: string | undefined;
    let t1: LazyTensor | undefined;
    let g1: Graph | undefined;
    let tp: ValueInfo | undefined;
    const floats: number[] = [];
    const ints: number[] = [];
    const strings: string[] = [];
    const tensors: LazyTensor[] = [];
    const graphs: Graph[] = [];
    let opaque = false;
    eachField(this.win, af.at, af.end, 'AttributeProto', (f) => {
      switch (f.no) {
        case 1: this.expect(f, LEN, 'AttributeProto'); name = this.str(f, 'attribute name'); break;
        case 20: this.expect(f, VARINT, 'AttributeProto'); type = unsigned(f); break;
        case 2: this.expect(f, I32, 'AttributeProto'); f1 = readFixed(this.win, f); break;
        case 3: this.expect(f, VARINT, 'AttributeProto'); i1 = signed(f); break;
        case 4: this.expect(f, LEN, 'AttributeProto'); s1 = this.str(f, 'attribute string'); break;
        case 5: this.expect(f, LEN, 'AttributeProto'); t1 = this.tensor(f, `attribute ${name || '?'} tensor`); break;
        case 6: this.expect(f, LEN, 'AttributeProto'); g1 = this.graph(f, depth + 1, `subgraph ${name}`); break;
        case 7: this.packedOrSingle(f, I32, 'AttributeProto.floats', floats, (x) => readFixed(this.win, x)); break;
        case 8: this.packedOrSingle(f, VARINT, 'AttributeProto.ints', ints, (x) => signed(x)); break;
        case 9: this.expect(f, LEN, 'AttributeProto'); strings.push(this.str(f, 'attribute string')); break;
        case 10: this.expect(f, LEN, 'AttributeProto'); tensors.push(this.tensor(f, `attribute ${name || '?'} tensor`)); break;
        case 11: this.expect(f, LEN, 'AttributeProto'); graphs.push(this.graph(f, depth + 1, `subgraph ${name}`)); break;
        case 14: {
          this.expect(f, LEN, 'AttributeProto');
          const t = decodeLeaf(this.win, f, onnx.TypeProto, 'TypeProto', this.limits, this.warnings);
          tp = valueInfoToIr(new onnx.ValueInfoProto({ name: '', type: t }));
          break;
        }
        case 13:
          this.expect(f, LEN, 'AttributeProto');
          this.warnings.add('attribute doc strings are not kept');
          break;
        case 15: case 21: case 22: case 23:
          this.checkKnownLeaf(f, 'AttributeProto');
          opaque = true;
          break;
        default: {
          const scratch: OnnxExtra = {};
          this.unknown(scratch, f, 'AttributeProto');
          opaque = true;
        }
      }
    });
    if (opaque) {
      this.warnings.add('attributes the analysis does not model (sparse tensors, type lists, function references, unknown fields) are kept as they are');
      return { name };
    }
    if (type === undefined || type === AT.UNDEFINED) {
      // Files from before IR version 3 leave `type` unset: the field that holds a value tells it.
      type = f1 !== undefined ? AT.FLOAT : i1 !== undefined ? AT.INT : s1 !== undefined ? AT.STRING : t1 ? AT.TENSOR : g1 ? AT.GRAPH
        : floats.length ? AT.FLOATS : ints.length ? AT.INTS : strings.length ? AT.STRINGS : tensors.length ? AT.TENSORS : graphs.length ? AT.GRAPHS : tp ? AT.TYPE_PROTO : AT.UNDEFINED;
    }
    switch (type) {
      case AT.FLOAT: return { name, attr: { kind: 'float', value: f1 ?? 0 } };
      case AT.INT: return { name, attr: { kind: 'int', value: i1 ?? 0 } };
      case AT.STRING: return { name, attr: { kind: 'string', value: s1 ?? '' } };
      case AT.TENSOR:
        if (!t1) throw new ModelError(`corrupt AttributeProto "${name}" at offset ${af.at}: type TENSOR without a tensor`);
        return { name, attr: { kind: 'tensor', value: t1 } };
      case AT.GRAPH:
        if (!g1) throw new ModelError(`corrupt AttributeProto "${name}" at offset ${af.at}: type GRAPH without a graph`);
        return { name, attr: { kind: 'graph', value: g1 } };
      case AT.FLOATS: return { name, attr: { kind: 'floats', value: floats } };
      case AT.INTS: return { name, attr: { kind: 'ints', value: ints } };
      case AT.STRINGS: return { name, attr: { kind: 'strings', value: strings } };
      case AT.TENSORS: return { name, attr: { kind: 'tensors', value: tensors } };
      case AT.GRAPHS: return { name, attr: { kind: 'graphs', value: graphs } };
      case AT.TYPE_PROTO:
        if (!tp) throw new ModelError(`corrupt AttributeProto "${name}" at offset ${af.at}: type TYPE_PROTO without a type`);
        return { name, attr: { kind: 'type', value: tp.container ? { dtype: tp.dtype, shape: tp.shape, container: tp.container } : { dtype: tp.dtype, shape: tp.shape } } };
      case AT.SPARSE_TENSOR: case AT.SPARSE_TENSORS: case AT.TYPE_PROTOS:
        this.warnings.add('attributes the analysis does not model (sparse tensors, type lists, function references, unknown fields) are kept as they are');
        return { name };
      default:
        throw new ModelError(`corrupt AttributeProto "${name}" at offset ${af.at}: unknown attribute type ${type}`);
    }
  }

  private tensor(tf: Field, what: string): LazyTensor {
    if (++this.tensors > this.limits.maxTensors) throw new ModelError(`the model has more than ${this.limits.maxTensors} tensors (initializers and tensor attributes; limit ${this.limits.maxTensors})`, 'limit');
    const extra: OnnxExtra = {};
    const dims: number[] = [];
    let code: number | undefined;
    let name = '';
    let raw: Field | undefined;
    let location = 0;
    const external = dict<string>();
    const typed: Field[] = [];
    eachField(this.win, tf.at, tf.end, 'TensorProto', (f) => {
      switch (f.no) {
        case 1: this.packedOrSingle(f, VARINT, 'TensorProto.dims', dims, (x) => this.dim(x, what)); break;
        case 2: this.expect(f, VARINT, 'TensorProto'); code = unsigned(f); break;
        case 8: this.expect(f, LEN, 'TensorProto'); name = this.str(f, 'tensor name'); break;
        case 9: this.expect(f, LEN, 'TensorProto'); raw = f; break;
        case 14: this.expect(f, VARINT, 'TensorProto'); location = unsigned(f); break;
        case 13: {
          this.expect(f, LEN, 'TensorProto');
          const kv = decodeLeaf(this.win, f, onnx.StringStringEntryProto, 'StringStringEntryProto', this.limits, this.warnings);
          external[kv.key ?? ''] = kv.value ?? '';
          break;
        }
        case 4: case 5: case 7: case 10: case 11:
          typed.push(f);
          break;
        case 3:
          this.warnings.add('tensor segments are not supported: segmented tensors are kept but their values are not read');
          this.checkKnownLeaf(f, 'TensorProto');
          this.keep(extra, f, 'TensorProto');
          break;
        case 6: case 12: case 16:
          this.checkKnownLeaf(f, 'TensorProto');
          this.keep(extra, f, 'TensorProto');
          break;
        default:
          this.unknown(extra, f, 'TensorProto');
      }
    });
    if (dims.length > this.limits.maxRank) throw new ModelError(`tensor "${name}" has rank ${dims.length}, over the limit of ${this.limits.maxRank}`, 'limit');
    const label = name || what;
    let n = 1;
    for (const d of dims) {
      n *= d;
      if (n > Number.MAX_SAFE_INTEGER) throw new ModelError(`tensor "${label}" has absurd dims [${dims.join(', ')}]: element count overflows (limit 2^53)`, 'limit');
    }
    const dtype = dtypeFromOnnx(code);
    if (dtype === 'unknown') {
      this.warnings.add(`tensor "${label}" has unknown element type ${code ?? '(none)'}`);
      if (code !== undefined) extra.dataType = code;
    }
    const want = dtype === 'string' ? undefined : byteSize(dtype, n);
    let source: TensorSource;
    if (location === onnx.TensorProto.DataLocation.EXTERNAL) {
      source = this.ext.resolve(external, label, want);
    } else if (location !== onnx.TensorProto.DataLocation.DEFAULT) {
      throw new ModelError(`corrupt TensorProto "${label}" at offset ${tf.at}: unknown data_location ${location}`);
    } else if (raw) {
      const len = raw.end - raw.at;
      if (want !== undefined && len !== want) {
        throw new ModelError(`tensor "${label}": raw_data holds ${len} bytes but dims [${dims.join(', ')}] of ${dtype} need ${want}`);
      }
      source = len <= this.inlineBytes ? { kind: 'inline', bytes: this.win.bytes(raw.at, len) } : { kind: 'file', path: this.file, offset: raw.at, length: len };
    } else if (typed.length) {
      source = decodeTypedValues(this.win, typed, dtype, n, label, { inlineBytes: this.inlineBytes, maxDecodedBytes: this.limits.maxDecodedBytes, file: this.file });
    } else if (n === 0 || dtype === 'string') {
      source = { kind: 'inline', bytes: new Uint8Array(0) };
    } else {
      this.warnings.add(`tensor "${label}" has dims but no data`);
      source = { kind: 'absent', reason: `tensor "${label}" has no data in the file` };
    }
    const t: LazyTensor = { name, dtype, dims, source };
    setExtra(t, extra);
    return t;
  }

  private dim(f: Field, what: string): number {
    const v = signed(f);
    if (v < 0 || !Number.isSafeInteger(v)) throw new ModelError(`corrupt ${what} at offset ${f.at}: invalid dimension ${v}`);
    return v;
  }

  /** Repeated scalar fields may come packed (one LEN field) or one field per value; both are valid. */
  private packedOrSingle(f: Field, wt: number, what: string, out: number[], one: (f: Field) => number): void {
    if (f.wt === wt) {
      out.push(one(f));
      return;
    }
    if (f.wt !== LEN) throw new ModelError(`corrupt ${what} at offset ${f.tagAt}: wire type ${f.wt}`);
    const len = f.end - f.at;
    if (len * 8 > this.limits.maxDecodedBytes) throw new ModelError(`${what} at offset ${f.at} is ${len} bytes, over the decode limit of ${Math.floor(this.limits.maxDecodedBytes / 8)} packed bytes`, 'limit');
    if (wt === I32) {
      if (len % 4) throw new ModelError(`corrupt ${what} at offset ${f.at}: packed floats of ${len} bytes`);
      const u = this.win.bytes(f.at, len);
      const b = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
      for (let i = 0; i < len; i += 4) out.push(b.readFloatLE(i));
      return;
    }
    for (let p = f.at; p < f.end; ) {
      const one1: Field = { no: f.no, wt: VARINT, tagAt: p, at: p, end: p, lo: 0, hi: 0 };
      one1.end = varintAt(this.win, p, f.end, what, one1);
      out.push(one(one1));
      p = one1.end;
    }
  }

  private str(f: Field, what: string): string {
    return readString(this.win, f, this.limits.maxStringLength, what);
  }

  private expect(f: Field, wt: number, msg: string): void {
    if (f.wt !== wt) {
      throw new ModelError(`corrupt ${msg} at offset ${f.tagAt}: field ${f.no} (${FIELD_NAMES[msg]?.[f.no] ?? '?'}) has wire type ${f.wt}, expected ${wt}`);
    }
  }

  /** Known message-typed fields the IR does not model: validated (unknown fields inside reported), then kept. */
  private checkKnownLeaf(f: Field, msg: string): void {
    const leaf = LEAF_TYPES[`${msg}.${f.no}`];
    if (!leaf) return;
    this.expect(f, LEN, msg);
    if (f.end - f.at <= this.limits.maxMessageBytes) decodeLeaf(this.win, f, leaf.type, leaf.name, this.limits, this.warnings);
  }

  private keep(extra: OnnxExtra, f: Field, msg: string): void {
    const n = f.end - f.tagAt;
    if (n > this.limits.maxMessageBytes || this.kept + n > this.limits.maxKeptBytes) {
      this.warnings.add(`${msg}.${FIELD_NAMES[msg]?.[f.no] ?? f.no} (${n} bytes) is too large to keep and will be dropped when writing`);
      return;
    }
    this.kept += n;
    addRaw(extra, this.win.bytes(f.tagAt, n));
  }

  private unknown(extra: OnnxExtra, f: Field, msg: string): void {
    this.warnings.add(`unknown field ${f.no} (wire type ${f.wt}) in ${msg}: not part of ONNX 1.20, kept as it is`);
    this.keep(extra, f, msg);
  }
}

interface LeafType {
  decode(r: pb.Reader): object;
}

const LEAF_TYPES: Record<string, { type: LeafType; name: string }> = table({
  'ModelProto.20': { type: onnx.TrainingInfoProto, name: 'TrainingInfoProto' },
  'ModelProto.25': { type: onnx.FunctionProto, name: 'FunctionProto' },
  'ModelProto.26': { type: onnx.DeviceConfigurationProto, name: 'DeviceConfigurationProto' },
  'GraphProto.14': { type: onnx.TensorAnnotation, name: 'TensorAnnotation' },
  'GraphProto.15': { type: onnx.SparseTensorProto, name: 'SparseTensorProto' },
  'GraphProto.16': { type: onnx.StringStringEntryProto, name: 'StringStringEntryProto' },
  'NodeProto.9': { type: onnx.StringStringEntryProto, name: 'StringStringEntryProto' },
  'NodeProto.10': { type: onnx.NodeDeviceConfigurationProto, name: 'NodeDeviceConfigurationProto' },
  'AttributeProto.14': { type: onnx.TypeProto, name: 'TypeProto' },
  'AttributeProto.15': { type: onnx.TypeProto, name: 'TypeProto' },
  'AttributeProto.22': { type: onnx.SparseTensorProto, name: 'SparseTensorProto' },
  'AttributeProto.23': { type: onnx.SparseTensorProto, name: 'SparseTensorProto' },
  'TensorProto.3': { type: onnx.TensorProto.Segment, name: 'TensorProto.Segment' },
  'TensorProto.16': { type: onnx.StringStringEntryProto, name: 'StringStringEntryProto' },
});

/**
 * ONNX graphs are in SSA form: two nodes writing one value leave its consumers' input undefined (which
 * producer?), so shapes, liveness and edges would be guesses. onnxruntime refuses such a model too.
 */
function checkSingleAssignment(g: Graph, where: string): void {
  const producer = new Map<string, Node>();
  for (const n of g.nodes) {
    for (const o of n.outputs) {
      if (o === '') continue;
      const p = producer.get(o);
      if (p && p !== n) throw new ModelError(`value "${o}" is the output of two nodes in ${where} ("${p.name || p.opType}" and "${n.name || n.opType}"): each value must be produced once`);
      if (p === n) throw new ModelError(`value "${o}" is listed twice among the outputs of node "${n.name || n.opType}" in ${where}`);
      producer.set(o, n);
    }
  }
}
