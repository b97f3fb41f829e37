import type { Graph, Node } from '../ir/graph';
import type { NodeTime, PerNodeTimes, UnmappedKernel } from './types';
import { table } from '../tables';

/** One kernel of ORT's profile, its time summed over the runs kept. */
export interface KernelTotal {
  name: string;
  opType: string;
  totalUs: number;
}

export interface ParsedProfile {
  kernels: KernelTotal[];
  /** Runs whose kernels were summed. */
  runs: number;
  /** Largest `mem_in_use_peak` ORT reports for any kernel: its arena's peak, bytes. */
  arenaPeakBytes?: number;
}

interface TraceEvent {
  cat?: string;
  name?: string;
  ts?: number;
  dur?: number;
  args?: Record<string, unknown>;
}

const KERNEL_SUFFIX = '_kernel_time';

/**
 * Reads ORT's Chrome-trace profile. Each `model_run` Session event spans one run; Node events named
 * `<node>_kernel_time` inside it are that run's kernels. Only the last `keepRuns` runs count, so
 * warm-up runs (first-run allocation and kernel selection) stay out of the per-node times.
 */
export function parseOrtProfile(json: string, keepRuns: number): ParsedProfile {
  const events = JSON.parse(json) as TraceEvent[];
  if (!Array.isArray(events)) throw new Error('ORT profile is not a JSON array of trace events');
  const runs = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run' && typeof e.ts === 'number' && typeof e.dur === 'number')
    .map((e) => [e.ts as number, (e.ts as number) + (e.dur as number)] as const)
    .sort((a, b) => a[0] - b[0])
    .slice(-keepRuns);
  const inKeptRun = (ts: number) => runs.some(([a, b]) => ts >= a && ts <= b);
  const totals = new Map<string, KernelTotal>();
  let arenaPeak: number | undefined;
  for (const e of events) {
    if (e.cat !== 'Node' || typeof e.name !== 'string' || !e.name.endsWith(KERNEL_SUFFIX)) continue;
    const peak = Number(e.args?.mem_in_use_peak);
    if (Number.isFinite(peak)) arenaPeak = Math.max(arenaPeak ?? 0, peak);
    if (typeof e.ts !== 'number' || typeof e.dur !== 'number' || !inKeptRun(e.ts)) continue;
    const name = e.name.slice(0, -KERNEL_SUFFIX.length);
    const opType = typeof e.args?.op_name === 'string' ? (e.args.op_name as string) : '';
    const key = `${opType}\u0000${name}`;
    const t = totals.get(key);
    if (t) t.totalUs += e.dur;
    else totals.set(key, { name, opType, totalUs: e.dur });
  }
  return { kernels: [...totals.values()], runs: runs.length, arenaPeakBytes: arenaPeak };
}

/**
 * Graph ops a kernel of ORT's op type can stand for: fused kernels grow out of the op they are
 * anchored on (FusedConv = Conv + activation; Gemm from MatMul + Add). Other kernels stand for their own op.
 */
const ANCHORS: Record<string, string[]> = table({
  FusedConv: ['Conv'],
  NhwcConv: ['Conv'],
  FusedGemm: ['Gemm', 'MatMul'],
  Gemm: ['Gemm', 'MatMul'],
  FusedMatMul: ['MatMul'],
  MatMulIntegerToFloat: ['MatMulInteger'],
  NhwcMaxPool: ['MaxPool'],
});

function anchorsOf(kernelOp: string): string[] {
  return ANCHORS[kernelOp] ?? [kernelOp];
}

/**
 * Name rewrites ORT's optimisers apply, undone in order until a graph node or value name matches:
 * precision-free casts, NCHWc layout nodes (named after the value they produce), fusion tags, and
 * the `_token_N` suffix of generated names.
 */
const NAME_REWRITES: ((s: string) => string)[] = [
  (s) => s.replace(/^InsertedPrecisionFreeCast_/, ''),
  (s) => s.replace(/_nchwc$/, ''),
  (s) => s.replace(/_nhwc$/, ''),
  // ORT's fusions name the new node "<first fused node>/<Name>Fusion/" (LayerNormFusion, MatMulAddFusion, ...).
  (s) => s.replace(/\/[A-Za-z]*Fusion\/?$/, ''),
  (s) => s.replace(/_token_\d+$/, ''),
  (s) => s.replace(/_fused$/, ''),
  (s) => s.replace(/^fused /, ''),
];

/** Kernels ORT adds for its own data layout: they never belong to a graph node. */
const LAYOUT_KERNELS = new Set(['ReorderInput', 'ReorderOutput', 'MemcpyToHost', 'MemcpyFromHost']);

/** Output names of the optimised graph's nodes by node name (from ORT's optimizedModelFilePath dump). */
export type OptimizedOutputs = Map<string, string[]>;

/** How far up a single-input chain a fused kernel's anchor is looked for (Conv→BN→Add→Relu→...). */
const MAX_FUSION_DEPTH = 6;

/**
 * Charges each ORT kernel to a graph node: by node name, else (NCHWc and fused kernels are named
 * after the value they produce) to the producer of that value, walking up through the ops ORT fused
 * into the kernel until one of the kernel's op type. Kernels ORT inserted (ReorderInput/Output,
 * casts) match nothing and are listed as unmapped.
 */
export function mapKernelsToGraph(graph: Graph, profile: ParsedProfile, method: string, optimized?: OptimizedOutputs): PerNodeTimes {
  const byName = new Map<string, Node>();
  const producer = new Map<string, Node>();
  for (const n of graph.nodes) {
    if (n.name && !byName.has(n.name)) byName.set(n.name, n);
    if (!byName.has(n.id)) byName.set(n.id, n);
    for (const o of n.outputs) if (o) producer.set(o, n);
  }
  const runs = Math.max(1, profile.runs);
  const charged = new Map<string, NodeTime>();
  const unmapped: UnmappedKernel[] = [];
  const fusedAway = new Set<string>();
  /** Nodes charged with a kernel of another op (a decomposition fused into e.g. LayerNormalization). */
  const newOpKernels = new Set<string>();
  let totalUs = 0;

  for (const k of profile.kernels) {
    totalUs += k.totalUs;
    const hit = LAYOUT_KERNELS.has(k.opType) ? undefined : locate(k, byName, producer, optimized);
    if (!hit) {
      unmapped.push({ kernel: k.name, opType: k.opType, ms: k.totalUs / runs / 1000 });
      continue;
    }
    const t = charged.get(hit.node.id) ?? { id: hit.node.id, opType: hit.node.opType, ms: 0, kernels: [] };
    t.ms += k.totalUs / runs / 1000;
    t.kernels.push(k.name);
    if (hit.fused.length) {
      t.fused = [...new Set([...(t.fused ?? []), ...hit.fused.map((n) => n.id)])];
      for (const f of hit.fused) fusedAway.add(f.id);
    }
    charged.set(hit.node.id, t);
    if (!anchorsOf(k.opType).includes(hit.node.opType)) newOpKernels.add(hit.node.id);
  }
  attachFusedNeighbours(graph, charged, fusedAway, newOpKernels);
  const noKernel = graph.nodes.filter((n) => !charged.has(n.id) && !fusedAway.has(n.id)).map((n) => n.id);
  const order = new Map(graph.nodes.map((n, i) => [n.id, i]));
  return {
    method,
    runs: profile.runs,
    nodes: [...charged.values()].sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)),
    unmapped: unmapped.sort((a, b) => b.ms - a.ms),
    noKernel,
    kernelTotalMs: totalUs / runs / 1000,
  };
}

function locate(k: KernelTotal, byName: Map<string, Node>, producer: Map<string, Node>, optimized?: OptimizedOutputs): { node: Node; fused: Node[] } | undefined {
  const anchorOp = anchorsOf(k.opType);
  const byOwnName = locateName(k.name, anchorOp, byName, producer);
  if (byOwnName) return byOwnName;
  // Kernels with generated names (Gelu, Gelu_token_0) are found by the values they produce.
  for (const out of optimized?.get(k.name) ?? []) {
    const hit = locateName(out, anchorOp, byName, producer);
    if (hit) return hit;
  }
  return undefined;
}

function locateName(kernelName: string, anchorOp: string[], byName: Map<string, Node>, producer: Map<string, Node>): { node: Node; fused: Node[] } | undefined {
  let name = kernelName;
  const seen = new Set<string>();
  for (let pass = 0; pass <= NAME_REWRITES.length && !seen.has(name); pass++) {
    seen.add(name);
    const direct = byName.get(name);
    if (direct) return anchorOp.includes(direct.opType) ? { node: direct, fused: [] } : walkToAnchor(direct, anchorOp, producer);
    const made = producer.get(name);
    if (made) return anchorOp.includes(made.opType) ? { node: made, fused: [] } : walkToAnchor(made, anchorOp, producer);
    for (const rw of NAME_REWRITES) name = rw(name);
  }
  return undefined;
}

/**
 * From the last node of a fused region, follow data inputs upwards to the node whose op the kernel
 * runs; the nodes passed on the way are the fused ones. When there is no such node (a fusion into a
 * new op, e.g. LayerNormalization from its decomposition) the kernel stays on the named node.
 */
function walkToAnchor(last: Node, anchorOp: string[], producer: Map<string, Node>): { node: Node; fused: Node[] } {
  const path: Node[] = [last];
  let cur = last;
  for (let i = 0; i < MAX_FUSION_DEPTH; i++) {
    const ups = cur.inputs.map((v) => (v ? producer.get(v) : undefined)).filter((n): n is Node => !!n);
    const anchor = ups.find((n) => anchorOp.includes(n.opType));
    if (anchor) return { node: anchor, fused: path };
    if (ups.length === 0) break;
    cur = ups[0];
    path.push(cur);
  }
  return { node: last, fused: [] };
}

const NEIGHBOUR_DEPTH = 8;
/** Ops ORT deletes at inference (no work to fuse anywhere): they stay in noKernel. */
const REMOVABLE = new Set(['Dropout', 'Identity']);

/**
 * Graph nodes without a kernel of their own ran inside a neighbour's kernel: either inside a fusion
 * into a new op downstream (a LayerNormalization kernel charged to the decomposition's last node), or
 * as the activation/residual epilogue of the nearest kernel upstream (Conv+HardSwish, Conv+Add).
 * Nodes without data inputs (constants folded at load) stay without a kernel.
 */
function attachFusedNeighbours(graph: Graph, charged: Map<string, NodeTime>, fusedAway: Set<string>, newOpKernels: Set<string>): void {
  const producer = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  for (const n of graph.nodes) {
    for (const o of n.outputs) if (o) producer.set(o, n);
    for (const i of n.inputs) if (i) (consumers.get(i) ?? consumers.set(i, []).get(i)!).push(n);
  }
  const dataInputs = (n: Node) => n.inputs.map((v) => (v ? producer.get(v) : undefined)).filter((p): p is Node => !!p);
  for (const n of graph.nodes) {
    if (charged.has(n.id) || fusedAway.has(n.id) || REMOVABLE.has(n.opType) || dataInputs(n).length === 0) continue;
    let target: NodeTime | undefined;
    let cur: Node | undefined = n;
    for (let i = 0; i < NEIGHBOUR_DEPTH && cur && !target; i++) {
      cur = cur.outputs.flatMap((o) => consumers.get(o) ?? [])[0];
      if (cur && charged.has(cur.id)) target = newOpKernels.has(cur.id) ? charged.get(cur.id) : undefined;
      if (cur && charged.has(cur.id)) break;
    }
    cur = n;
    for (let i = 0; i < NEIGHBOUR_DEPTH && cur && !target; i++) {
      cur = dataInputs(cur)[0];
      if (cur && charged.has(cur.id)) target = charged.get(cur.id);
    }
    if (target) {
      target.fused = [...(target.fused ?? []), n.id];
      fusedAway.add(n.id);
    }
  }
}
