import type { Graph, Model, Node } from '../ir/graph';
import { subgraphsOf } from '../ir/graph';
import { inlineTensor, type LazyTensor } from '../ir/tensor';
import type { DType } from '../ir/dtype';
import { floatsToBytes } from '../tensor/bytes';

/**
 * Copy-on-write clone: new arrays and maps, the same node objects. Passes replace a node with a spread
 * copy before changing it (spread keeps the ONNX extras the writer needs), so the input model is never
 * mutated.
 */
export function cloneModel(model: Model): Model {
  const g = model.graph;
  const graph: Graph = {
    ...g,
    nodes: [...g.nodes],
    inputs: [...g.inputs],
    outputs: [...g.outputs],
    initializers: new Map(g.initializers),
    valueInfo: new Map(g.valueInfo),
  };
  return { ...model, graph, opsets: { ...model.opsets }, metadata: { ...model.metadata }, warnings: [...model.warnings] };
}

export class GraphIndex {
  readonly producer = new Map<string, Node>();
  readonly consumers = new Map<string, Node[]>();
  readonly byId = new Map<string, Node>();
  readonly outputs: Set<string>;

  constructor(readonly graph: Graph) {
    for (const n of graph.nodes) {
      this.byId.set(n.id, n);
      for (const o of n.outputs) if (o) this.producer.set(o, n);
      for (const i of new Set([...n.inputs, ...(n.weights ?? [])])) if (i) pushTo(this.consumers, i, n);
      // Values captured by If/Loop bodies are uses too: a pass must not treat them as dead.
      for (const sg of subgraphsOf(n)) for (const v of outerUses(sg)) pushTo(this.consumers, v, n);
    }
    this.outputs = new Set(graph.outputs.map((o) => o.name));
  }

  uses(value: string): Node[] {
    return this.consumers.get(value) ?? [];
  }

  /** The only consumer of a value that is not a graph output, else undefined. */
  soleConsumer(value: string): Node | undefined {
    const u = this.uses(value);
    return u.length === 1 && !this.outputs.has(value) ? u[0] : undefined;
  }
}

function pushTo(m: Map<string, Node[]>, k: string, n: Node): void {
  const a = m.get(k);
  if (a) a.push(n);
  else m.set(k, [n]);
}

function outerUses(g: Graph): Set<string> {
  const defined = new Set<string>([...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
  const used = new Set<string>();
  for (const n of g.nodes) {
    for (const i of n.inputs) if (i && !defined.has(i)) used.add(i);
    for (const sg of subgraphsOf(n)) for (const v of outerUses(sg)) if (!defined.has(v)) used.add(v);
    for (const o of n.outputs) defined.add(o);
  }
  return used;
}

/** Names unique among values, nodes and initializers of the graph. */
export class Namer {
  private readonly taken = new Set<string>();
  constructor(graph: Graph) {
    for (const n of graph.nodes) {
      this.taken.add(n.id);
      this.taken.add(n.name);
      for (const v of [...n.inputs, ...n.outputs, ...(n.weights ?? [])]) this.taken.add(v);
    }
    for (const k of graph.initializers.keys()) this.taken.add(k);
    for (const v of [...graph.inputs, ...graph.outputs]) this.taken.add(v.name);
  }
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }
}

export function replaceNode(graph: Graph, id: string, replacement: Node[]): void {
  const i = graph.nodes.findIndex((n) => n.id === id);
  if (i < 0) throw new Error(`node ${id} not in graph`);
  graph.nodes.splice(i, 1, ...replacement);
}

export function removeNode(graph: Graph, id: string): void {
  replaceNode(graph, id, []);
}

/** Points every use of `from` at `to` (main graph and captured uses in subgraphs). */
export function renameUses(graph: Graph, from: string, to: string): void {
  graph.nodes = graph.nodes.map((n) => {
    const hit = n.inputs.includes(from);
    const sub = subgraphsOf(n).length > 0;
    if (!hit && !sub) return n;
    const copy: Node = { ...n, inputs: n.inputs.map((i) => (i === from ? to : i)) };
    if (sub) {
      const attrs = { ...n.attrs };
      for (const [k, a] of Object.entries(attrs)) {
        if (a.kind === 'graph') attrs[k] = { kind: 'graph', value: renamedSub(a.value, from, to) };
        else if (a.kind === 'graphs') attrs[k] = { kind: 'graphs', value: a.value.map((g) => renamedSub(g, from, to)) };
      }
      copy.attrs = attrs;
    }
    return copy;
  });
}

function renamedSub(g: Graph, from: string, to: string): Graph {
  if (!outerUses(g).has(from)) return g;
  const c: Graph = { ...g, nodes: [...g.nodes] };
  renameUses(c, from, to);
  return c;
}

/** Drops initializers and valueInfo nothing references any more (weights replaced by a rewrite). */
export function pruneUnused(graph: Graph): void {
  const used = new Set<string>(graph.outputs.map((o) => o.name));
  for (const n of graph.nodes) {
    for (const i of n.inputs) if (i) used.add(i);
    for (const o of n.outputs) used.add(o);
    // Keras layers own their weights by name rather than as inputs.
    for (const w of n.weights ?? []) used.add(w);
    for (const sg of subgraphsOf(n)) for (const v of outerUses(sg)) used.add(v);
  }
  for (const k of [...graph.initializers.keys()]) if (!used.has(k)) graph.initializers.delete(k);
  for (const k of [...graph.valueInfo.keys()]) if (!used.has(k)) graph.valueInfo.delete(k);
}

/** A float32 tensor held in memory. */
export function f32Tensor(name: string, dims: readonly number[], data: Float32Array): LazyTensor {
  return inlineTensor(name, 'float32', dims, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/**
 * New float values stored in the model's own float type (fp16 / bf16 / fp32 / fp64): a factor written
 * as float32 beside fp16 weights binds an op's T to two types, which the checker and ORT refuse.
 */
export function floatTensor(name: string, dtype: DType, dims: readonly number[], data: ArrayLike<number>): LazyTensor {
  if (dtype === 'float32' && data instanceof Float32Array) return f32Tensor(name, dims, data);
  return inlineTensor(name, dtype, dims, floatsToBytes(data, dtype));
}

export function typedTensor(name: string, dtype: DType, dims: readonly number[], data: ArrayBufferView): LazyTensor {
  return inlineTensor(name, dtype, dims, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** A tensor whose shape is known but whose values were not computed (structure-only rewrites). */
export function absentTensor(name: string, dtype: DType, dims: readonly number[]): LazyTensor {
  return { name, dtype, dims: [...dims], source: { kind: 'absent', reason: 'structure-only rewrite (preview)' } };
}

export function newNode(id: string, opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}, scope?: string[]): Node {
  const n: Node = { id, name: id, opType, domain: '', inputs, outputs, attrs };
  if (scope) n.scope = scope;
  return n;
}

/** The initializer feeding an input slot, if the slot is filled by one. */
export function initializer(graph: Graph, name: string): LazyTensor | undefined {
  return name ? graph.initializers.get(name) : undefined;
}

/** A copy of a tensor named `name` without the indices `rem` along `axis` (structure only without data). */
export function dropAlong(name: string, t: LazyTensor, data: Float32Array | undefined, axis: number, rem: number[]): LazyTensor {
  const dims = [...t.dims];
  const drop = new Set(rem);
  const newDims = dims.map((d, i) => (i === axis ? d - drop.size : d));
  if (!data) return absentTensor(name, t.dtype, newDims);
  let inner = 1;
  for (let i = axis + 1; i < dims.length; i++) inner *= dims[i];
  const outer = data.length / (inner * dims[axis]);
  const out = new Float32Array(data.length - outer * inner * drop.size);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < dims[axis]; c++) {
      if (drop.has(c)) continue;
      const base = (o * dims[axis] + c) * inner;
      out.set(data.subarray(base, base + inner), k);
      k += inner;
    }
  }
  return floatTensor(name, t.dtype, newDims, out);
}
