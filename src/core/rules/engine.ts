import { ModelError } from '../errors';
import { dimAdd, dimEq, shapeText, type Dim } from '../ir/dim';
import { subgraphsOf, type Graph, type Node, type TensorType } from '../ir/graph';
import { checkShapeResult } from './checkResult';
import { ruleFor } from './registry';
import { ConstReader } from './tensorValues';
import { RuleError, type ConstValue, type CostResult, type RuleContext, type SubgraphRun } from './types';
import { MinHeap } from '../ir/minHeap';
import { pushAll } from '../arrays';
import { own } from '../tables';

/**
 * The format-neutral driver: walks a graph in topological order, looks each node's rule up by
 * (domain, op type) in the registry, and records types, known values and costs. A node without a
 * rule, or whose rule fails, is kept with a reason and the types its file declares, so inference goes
 * on past it; nothing is silently costed as zero.
 */

export interface NodeRun {
  node: Node;
  inputs: (TensorType | undefined)[];
  outputs: (TensorType | undefined)[];
  /** Undefined when the node is not costed; `reason` says why. */
  cost?: CostResult;
  reason?: string;
}

export interface GraphRun {
  /** Nodes in the order they were evaluated (topological; the file's order when it already is one). */
  nodes: NodeRun[];
  types: Map<string, TensorType>;
  values: Map<string, ConstValue>;
  outputs: (TensorType | undefined)[];
  outputValues: (ConstValue | undefined)[];
}

export interface EngineEnv {
  opsets: Record<string, number>;
  consts: ConstReader;
  warnings: Set<string>;
  /** Applied to every type the file declares (binds caller dims). */
  declare: (t: TensorType) => TensorType;
  readTensor?: RuleContext['readTensor'];
  /** Where inference and the file's declared shape disagree (the declared one is used). */
  conflicts?: ShapeConflict[];
}

export interface ShapeConflict {
  value: string;
  declared: string;
  inferred: string;
  /** Which one the analysis goes on with: a literal number in the file wins, a bound symbol does not. */
  used: 'declared' | 'inferred';
}

const MAX_DEPTH = 32;

/** Name lookup through enclosing graphs: subgraph bodies may use any value of an outer graph. */
export class Scope {
  readonly types = new Map<string, TensorType>();
  readonly values = new Map<string, ConstValue>();
  /** Outputs of nodes already run, typed or not (a node whose rule failed still produces them). */
  readonly produced = new Set<string>();
  private readValues = new Map<string, ConstValue | undefined>();

  constructor(readonly graph: Graph, private readonly env: EngineEnv, readonly parent?: Scope) {}

  type(name: string): TensorType | undefined {
    const t = this.types.get(name);
    if (t) return t;
    if (this.produced.has(name)) return undefined;
    const init = this.graph.initializers.get(name);
    if (init) return { dtype: init.dtype, shape: [...init.dims] };
    return this.parent?.type(name);
  }

  value(name: string): ConstValue | undefined {
    const v = this.values.get(name);
    if (v) return v;
    const init = this.graph.initializers.get(name);
    if (init) {
      if (!this.readValues.has(name)) this.readValues.set(name, this.env.consts.read(init));
      return this.readValues.get(name);
    }
    if (this.types.has(name) || this.produced.has(name)) return undefined;
    return this.parent?.value(name);
  }

  defines(name: string): boolean {
    return this.types.has(name) || this.produced.has(name) || this.graph.initializers.has(name) || (this.parent?.defines(name) ?? false);
  }
}

export function inferGraph(graph: Graph, env: EngineEnv, inputTypes?: (TensorType | undefined)[], inputValues?: (ConstValue | undefined)[], parent?: Scope, depth = 0): GraphRun {
  if (depth > MAX_DEPTH) throw new ModelError(`subgraphs nested deeper than ${MAX_DEPTH} levels`, 'limit');
  env.readTensor ??= (t) => env.consts.read(t);
  const scope = new Scope(graph, env, parent);
  graph.inputs.forEach((vi, i) => {
    const given = inputTypes?.[i];
    const declared = env.declare(vi);
    scope.types.set(vi.name, given ? mergeDeclared(given, declared, vi.name, env, vi) : declared);
    const v = inputValues?.[i];
    if (v) scope.values.set(vi.name, v);
  });
  const declaredOf = declaredTypes(graph, env);
  const runs: NodeRun[] = [];
  for (const node of topoOrder(graph)) runs.push(runNode(node, scope, declaredOf, env, depth));
  const outputs = graph.outputs.map((o) => scope.type(o.name) ?? env.declare(o));
  return { nodes: runs, types: scope.types, values: scope.values, outputs, outputValues: graph.outputs.map((o) => scope.value(o.name)) };
}

/** The declared type of a value as bound (`type`) and as the file writes it (`raw`: literal numbers vs symbols). */
type Declared = { type: TensorType; raw: TensorType };

function declaredTypes(graph: Graph, env: EngineEnv): (name: string) => Declared | undefined {
  const outs = new Map(graph.outputs.map((o) => [o.name, o]));
  return (name) => {
    const d = graph.valueInfo.get(name) ?? outs.get(name);
    return d && (d.shape || d.dtype !== 'unknown' || d.container) ? { type: env.declare(d), raw: d } : undefined;
  };
}

function runNode(node: Node, scope: Scope, declaredOf: (n: string) => Declared | undefined, env: EngineEnv, depth: number): NodeRun {
  const inputs = node.inputs.map((n) => (n === '' ? undefined : scope.type(n)));
  // Values are read on first access: a rule that never asks (Conv, a large Add) reads no weight bytes.
  const values: (ConstValue | undefined)[] = new Array(node.inputs.length).fill(undefined);
  node.inputs.forEach((n, i) => n !== '' && Object.defineProperty(values, i, { get: () => scope.value(n), enumerable: true }));
  for (const n of node.inputs) if (n !== '' && !scope.defines(n)) env.warnings.add(`input "${n}" of node "${node.name || node.id}" is produced by no node and is no graph input`);
  const rule = ruleFor(node.domain, node.opType);
  const run: NodeRun = { node, inputs, outputs: node.outputs.map(() => undefined) };
  const setOutputs = (types: (TensorType | undefined)[], vals?: (ConstValue | undefined)[]) => {
    node.outputs.forEach((name, i) => {
      if (name === '') return;
      scope.produced.add(name);
      const declared = declaredOf(name);
      const t = types[i] ? (declared ? mergeDeclared(types[i]!, declared.type, name, env, declared.raw) : types[i]) : declared?.type;
      run.outputs[i] = t;
      if (t) scope.types.set(name, t);
      const v = vals?.[i];
      if (v) scope.values.set(name, v);
    });
  };
  if (!rule) {
    run.reason = `no rule for ${node.domain ? `${node.domain}.` : ''}${node.opType}`;
    setOutputs([]);
    return run;
  }
  const ctx: RuleContext = {
    node,
    graph: scope.graph,
    inputs,
    values,
    opset: own(env.opsets, node.domain) ?? (node.domain === 'ai.onnx' ? own(env.opsets, '') ?? 0 : 0),
    readTensor: env.readTensor,
  };
  if (subgraphsOf(node).length > 0) {
    const subRuns = new Map<Graph, { key: string; run: SubgraphRun }>();
    ctx.runSubgraph = (g, ins, vals) => {
      const key = ins.map((t) => (t ? `${t.dtype}${shapeText(t.shape)}` : '?')).join(';');
      const memo = subRuns.get(g);
      if (memo && memo.key === key) return memo.run;
      const r = summarise(inferGraph(g, env, ins, vals, scope, depth + 1));
      subRuns.set(g, { key, run: r });
      return r;
    };
  }
  let outputs: TensorType[];
  let folded = false;
  try {
    const res = rule.shape(ctx);
    checkShapeResult(res);
    outputs = res.outputs;
    setOutputs(outputs, res.values);
    folded = node.outputs.length > 0 && node.outputs.every((o, i) => o === '' || res.values?.[i] !== undefined);
  } catch (e) {
    run.reason = failure(e, node, inputs);
    setOutputs([]);
    return run;
  }
  try {
    // Shape arithmetic known at analysis time is folded by runtimes: it costs nothing.
    run.cost = folded ? { macs: 0, flops: 0 } : rule.cost(ctx, outputs);
    for (const n of run.cost.notes ?? []) env.warnings.add(`${node.name || node.id}: ${n}`);
  } catch (e) {
    run.reason = failure(e, node, inputs);
  }
  return run;
}

function failure(e: unknown, node: Node, inputs: (TensorType | undefined)[]): string {
  if (e instanceof ModelError) throw e;
  // A bug in one rule must not sink the whole analysis: the node is reported, the rest goes on.
  if (!(e instanceof RuleError) && !(e instanceof RangeError)) return `rule failed: ${e instanceof Error ? e.message : String(e)}`;
  const unknown = node.inputs.findIndex((n, i) => n !== '' && !inputs[i]?.shape);
  if (unknown >= 0 && /unknown/.test(e.message)) return `input "${node.inputs[unknown]}" has an unknown shape`;
  return e.message;
}

/** Total cost of one execution of a subgraph, and its uncosted nodes. */
function summarise(g: GraphRun): SubgraphRun {
  let macs: Dim = 0;
  let flops: Dim = 0;
  const notCosted: SubgraphRun['notCosted'] = [];
  for (const r of g.nodes) {
    if (r.cost) {
      macs = dimAdd(macs, r.cost.macs);
      flops = dimAdd(flops, r.cost.flops);
      pushAll(notCosted, r.cost.notCosted ?? []);
    } else notCosted.push({ name: r.node.name || r.node.id, type: r.node.opType, reason: r.reason ?? 'not costed' });
  }
  return { outputs: g.outputs, values: g.outputValues, macs, flops, notCosted };
}

/**
 * Declared types fill what inference cannot know (unknown rank, opaque dims, element types). Where
 * they disagree it is reported — in `env.conflicts` (the analysis lists them) and as a warning naming
 * both shapes — and the file's claim wins only where it is a literal number in the file: the exporter
 * measured it (a Scan or Loop output a rule gets wrong). A dim the file names by a symbol ("batch",
 * bound by the caller) is a guess of the exporter's (torch names scripted-loop outputs after the
 * inputs'), so inference keeps it.
 */
function mergeDeclared(inferred: TensorType, declared: TensorType, name: string, env: EngineEnv, raw: TensorType = declared): TensorType {
  const dtype = inferred.dtype === 'unknown' ? declared.dtype : inferred.dtype;
  const container = inferred.container ?? declared.container;
  const withC = (t: TensorType): TensorType => (container && t.container !== container ? { ...t, container } : t);
  if (!inferred.shape) return withC({ ...inferred, dtype, shape: declared.shape });
  if (!declared.shape) return withC(dtype === inferred.dtype ? inferred : { ...inferred, dtype });
  const literal = (i: number) => typeof raw.shape?.[i] === 'number';
  const conflict = (used: 'declared' | 'inferred') => {
    env.conflicts?.push({ value: name, declared: shapeText(declared.shape), inferred: shapeText(inferred.shape), used });
    env.warnings.add(`"${name}": inference gives shape ${shapeText(inferred.shape)} but the file declares ${shapeText(declared.shape)}; the ${used} shape is used`);
  };
  if (declared.shape.length !== inferred.shape.length) {
    const useDeclared = declared.shape.every((_, i) => literal(i));
    conflict(useDeclared ? 'declared' : 'inferred');
    return withC({ dtype, shape: useDeclared ? declared.shape : inferred.shape });
  }
  let changed = false;
  let disagree = false;
  let kept = false;
  const shape = inferred.shape.map((d, i) => {
    const dd = declared.shape![i];
    if (typeof dd !== 'number' || (typeof d === 'number' && dimEq(d, dd))) return d;
    if (typeof d !== 'number') {
      changed = true;
      return dd;
    }
    disagree = true;
    if (!literal(i)) {
      kept = true;
      return d;
    }
    changed = true;
    return dd;
  });
  if (disagree) conflict(kept ? 'inferred' : 'declared');
  return withC(changed || dtype !== inferred.dtype ? { ...inferred, dtype, shape } : inferred);
}

const freeVarMemo = new WeakMap<Graph, Set<string>>();

/** Names a subgraph reads from enclosing graphs: they order the node holding it after their producers. */
function freeVars(g: Graph): Set<string> {
  let s = freeVarMemo.get(g);
  if (s) return s;
  const defined = new Set<string>([...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
  for (const n of g.nodes) for (const o of n.outputs) defined.add(o);
  s = new Set();
  for (const n of g.nodes) {
    for (const i of n.inputs) if (i !== '' && !defined.has(i)) s.add(i);
    for (const sub of subgraphsOf(n)) for (const v of freeVars(sub)) if (!defined.has(v)) s.add(v);
  }
  freeVarMemo.set(g, s);
  return s;
}

function depsOf(n: Node): string[] {
  const subs = subgraphsOf(n);
  if (subs.length === 0) return n.inputs;
  const all = [...n.inputs];
  for (const g of subs) pushAll(all, freeVars(g));
  return all;
}

/**
 * Topological order, keeping the file's order among ready nodes (exporters write a sensible
 * execution order, which liveness then follows). A cycle is a malformed model.
 */
export function topoOrder(graph: Graph): Node[] {
  const nodes = graph.nodes;
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => o !== '' && producer.set(o, i)));
  const deps = nodes.map((n) => {
    const d = new Set<number>();
    for (const name of depsOf(n)) {
      const p = producer.get(name);
      if (p !== undefined) d.add(p);
    }
    return d;
  });
  let sorted = true;
  for (let i = 0; i < nodes.length && sorted; i++) for (const p of deps[i]) if (p >= i) { sorted = false; break; }
  if (sorted) return nodes;
  const indeg = deps.map((d, i) => (d.has(i) ? -1 : d.size));
  const succ: number[][] = nodes.map(() => []);
  deps.forEach((d, i) => d.forEach((p) => p !== i && succ[p].push(i)));
  const heap = new MinHeap();
  indeg.forEach((k, i) => k === 0 && heap.push(i));
  const out: Node[] = [];
  while (heap.size > 0) {
    const i = heap.pop();
    out.push(nodes[i]);
    for (const s of succ[i]) if (--indeg[s] === 0) heap.push(s);
  }
  if (out.length < nodes.length) {
    const stuck = nodes.find((_, i) => indeg[i] !== 0)!;
    throw new ModelError(`the graph has a cycle through node "${stuck.name || stuck.id}" (${stuck.opType})`);
  }
  return out;
}
