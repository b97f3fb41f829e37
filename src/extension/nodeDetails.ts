/**
 * What the details panel shows of a node beyond its costs, as the file holds it: every attribute
 * (tensor-valued ones with dtype, shape and their first values; subgraph bodies with their nodes; Keras
 * config entries) and every weight (dtype, shape, bytes, where the bytes are stored, first values).
 * Built in the analysis worker from the IR, so the webview renders text and never decodes a model.
 * No vscode import. Unit-tested in test/unit/extension/nodeDetails.test.ts.
 */
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Attribute, Graph, Model, Node } from '../core/ir/graph';
import { byteSize, type DType } from '../core/ir/dtype';
import { elementCount, type LazyTensor } from '../core/ir/tensor';
import { halfToFloat } from '../core/tensor/bytes';
import type { AttributeView, NodeDetailsView, SubgraphView, TensorView } from '../../webview/protocol';

/** Values shown per tensor (Netron shows a prefix too; the count of all is always said). */
export const PREVIEW_VALUES = 16;
/** Nodes listed per subgraph body (the count of all is in the text). */
const SUBGRAPH_NODES = 200;

/** Bytes per element of the dtypes the preview decodes. */
const WIDTH: Partial<Record<DType, number>> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int8: 1, uint8: 1, bool: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8,
};

/** Shortest text that reads back as the same float32 (ONNX floats are float32: 1e-5, not 9.99999974e-6). */
export function floatText(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  for (let p = 1; p <= 17; p++) {
    const t = Number(x.toPrecision(p));
    if (Math.fround(t) === Math.fround(x)) return String(t);
  }
  return String(x);
}

/** One element of little-endian storage as text; int64 stays exact (BigInt), floats as their float32 text. */
function elementText(dv: DataView, i: number, dtype: DType): string {
  switch (dtype) {
    case 'float32': return floatText(dv.getFloat32(i * 4, true));
    case 'float64': return String(dv.getFloat64(i * 8, true));
    case 'float16': return floatText(halfToFloat(dv.getUint16(i * 2, true)));
    case 'bfloat16': {
      const t = new DataView(new ArrayBuffer(4));
      t.setUint32(0, dv.getUint16(i * 2, true) << 16, true);
      return floatText(t.getFloat32(0, true));
    }
    case 'int8': return String(dv.getInt8(i));
    case 'uint8': return String(dv.getUint8(i));
    case 'bool': return dv.getUint8(i) ? 'true' : 'false';
    case 'int16': return String(dv.getInt16(i * 2, true));
    case 'uint16': return String(dv.getUint16(i * 2, true));
    case 'int32': return String(dv.getInt32(i * 4, true));
    case 'uint32': return String(dv.getUint32(i * 4, true));
    case 'int64': return dv.getBigInt64(i * 8, true).toString();
    case 'uint64': return dv.getBigUint64(i * 8, true).toString();
    default: return '?';
  }
}

/** Reads byte ranges of model files with one open handle per file (a model has thousands of weights). */
export class PrefixReader {
  private readonly handles = new Map<string, Promise<FileHandle>>();

  async read(file: string, offset: number, length: number): Promise<Uint8Array> {
    let h = this.handles.get(file);
    if (!h) {
      h = open(file, 'r');
      this.handles.set(file, h);
    }
    const fh = await h;
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fh.read(out, done, length - done, offset + done);
      if (bytesRead <= 0) throw new Error(`the file ends before byte ${offset + length}`);
      done += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    const all = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(all.map((h) => h.then((f) => f.close(), () => undefined)));
  }
}

/**
 * Where a tensor's bytes are. `modelFile` is the file the reader opened (the user's file, or the
 * temporary copy of unsaved bytes, which is the same file to the user).
 */
export function storageText(t: LazyTensor, modelFile: string): string {
  const s = t.source;
  switch (s.kind) {
    case 'inline': return 'inline (decoded with its node)';
    case 'absent': return `not in the file (${s.reason})`;
    case 'file':
      return path.resolve(s.path) === path.resolve(modelFile)
        ? `in the model file at byte ${s.offset.toLocaleString('en-US')}`
        : `external file ${path.basename(s.path)} at byte ${s.offset.toLocaleString('en-US')}`;
  }
}

export async function tensorView(t: LazyTensor, modelFile: string, reader: PrefixReader): Promise<TensorView> {
  const n = elementCount(t);
  const view: TensorView = {
    name: t.name,
    dtype: t.dtype,
    shape: [...t.dims],
    bytes: byteSize(t.dtype, n) ?? null,
    storage: storageText(t, modelFile),
  };
  const width = WIDTH[t.dtype];
  if (n === 0) {
    view.values = '[]';
    view.valuesShown = 0;
    return view;
  }
  if (width === undefined) {
    view.valuesNote = `${t.dtype} values are not decoded`;
    return view;
  }
  const k = Math.min(n, PREVIEW_VALUES);
  try {
    let b: Uint8Array;
    const s = t.source;
    if (s.kind === 'absent') {
      view.valuesNote = 'no values in this file';
      return view;
    }
    if (s.kind === 'inline') b = s.bytes.subarray(0, k * width);
    else b = await reader.read(s.path, s.offset, Math.min(s.length, k * width));
    if (b.byteLength < k * width) throw new Error(`${b.byteLength} bytes where ${k * width} were expected`);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const items: string[] = [];
    for (let i = 0; i < k; i++) items.push(elementText(dv, i, t.dtype));
    view.values = `[${items.join(', ')}${k < n ? ', …' : ''}]`;
    view.valuesShown = k;
  } catch (e) {
    view.valuesNote = `values not readable: ${String((e as Error)?.message ?? e).split('\n')[0]}`;
  }
  return view;
}

/**
 * ONNX ints are int64, read into doubles: INT64_MAX / INT64_MIN (Slice's "to the end") become ±2^63,
 * whose decimal text would read as a different number. Say them as the file has them.
 */
export function intText(x: number): string {
  if (x >= 2 ** 63) return '9223372036854775807';
  if (x <= -(2 ** 63)) return '-9223372036854775808';
  return String(x);
}

function listText(xs: readonly (number | string)[], f: (x: number | string) => string = String): string {
  return `[${xs.map(f).join(', ')}]`;
}

function subgraphView(g: Graph): SubgraphView {
  return {
    name: g.name,
    inputs: g.inputs.map((i) => i.name),
    outputs: g.outputs.map((o) => o.name),
    nodes: g.nodes.slice(0, SUBGRAPH_NODES).map((n) => ({ type: n.opType, name: n.name })),
  };
}

function subgraphText(g: Graph): string {
  return `graph ${g.name ? `"${g.name}" ` : ''}with ${g.nodes.length} node${g.nodes.length === 1 ? '' : 's'}, ${g.inputs.length} input${g.inputs.length === 1 ? '' : 's'}, ${g.outputs.length} output${g.outputs.length === 1 ? '' : 's'}` +
    (g.nodes.length > SUBGRAPH_NODES ? ` (the first ${SUBGRAPH_NODES} listed)` : '');
}

function tensorText(v: TensorView): string {
  return `${v.dtype}[${v.shape.join(', ')}]${v.values !== undefined ? ` ${v.values}` : ''}`;
}

async function attributeView(name: string, a: Attribute, modelFile: string, reader: PrefixReader): Promise<AttributeView[]> {
  switch (a.kind) {
    case 'int': return [{ name, kind: a.kind, text: intText(a.value) }];
    case 'float': return [{ name, kind: a.kind, text: floatText(a.value) }];
    case 'string': return [{ name, kind: a.kind, text: JSON.stringify(a.value) }];
    case 'ints': return [{ name, kind: a.kind, text: listText(a.value, (x) => intText(x as number)) }];
    case 'floats': return [{ name, kind: a.kind, text: listText(a.value, (x) => floatText(x as number)) }];
    case 'strings': return [{ name, kind: a.kind, text: listText(a.value, (x) => JSON.stringify(x)) }];
    case 'tensor': {
      const tensor = await tensorView(a.value, modelFile, reader);
      return [{ name, kind: a.kind, text: tensorText(tensor), tensor }];
    }
    case 'tensors': {
      const views = await Promise.all(a.value.map((t) => tensorView(t, modelFile, reader)));
      return [{ name, kind: a.kind, text: `${views.length} tensors: ${views.map(tensorText).join('; ')}` }];
    }
    case 'graph': return [{ name, kind: a.kind, text: subgraphText(a.value), graphs: [subgraphView(a.value)] }];
    case 'graphs': return [{ name, kind: a.kind, text: `${a.value.length} graphs: ${a.value.map(subgraphText).join('; ')}`, graphs: a.value.map(subgraphView) }];
    case 'type': return [{ name, kind: a.kind, text: `${a.value.dtype}${a.value.shape ? `[${a.value.shape.map(String).join(', ')}]` : ' (rank unknown)'}` }];
    case 'json': {
      // A Keras layer's config: one row per entry (kernel_size, strides, activation…), values as compact JSON.
      const v = a.value;
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        return Object.entries(v as Record<string, unknown>).map(([k, x]) => ({ name: k, kind: 'config', text: jsonText(x) }));
      }
      return [{ name, kind: 'json', text: jsonText(v) }];
    }
  }
}

/**
 * One-line JSON with a space after commas and colons (readable, and the panel can wrap it at the spaces).
 * Built from the indented form: its newlines are only ever between tokens, never inside strings.
 */
export function jsonText(x: unknown): string {
  const t = JSON.stringify(x, null, 1);
  if (t === undefined) return String(x);
  return t.replace(/([[{])\n\s*/g, '$1').replace(/\n\s*([\]}])/g, '$1').replace(/\n\s*/g, ' ');
}

/** Details of one node: its attributes in file order, its weights in input order. */
export async function nodeDetailsOf(n: Node, g: Graph, modelFile: string, reader: PrefixReader): Promise<NodeDetailsView> {
  const attributes: AttributeView[] = [];
  for (const [name, a] of Object.entries(n.attrs)) attributes.push(...await attributeView(name, a, modelFile, reader));
  const names = [...new Set([...n.inputs, ...(n.weights ?? [])])].filter(Boolean);
  const initializers: TensorView[] = [];
  for (const name of names) {
    const t = g.initializers.get(name);
    if (t) initializers.push(await tensorView(t, modelFile, reader));
  }
  return { attributes, initializers };
}

/** Every top-level node's details, keyed by node id (= layer id). `modelFile`: the file the reader opened. */
export async function modelDetails(model: Model, modelFile: string): Promise<Record<string, NodeDetailsView>> {
  const reader = new PrefixReader();
  // Ids come from the file: a null-prototype object, so "__proto__" is an ordinary key.
  const out = Object.create(null) as Record<string, NodeDetailsView>;
  try {
    for (const n of model.graph.nodes) out[n.id] = await nodeDetailsOf(n, model.graph, modelFile, reader);
  } finally {
    await reader.close();
  }
  return out;
}
