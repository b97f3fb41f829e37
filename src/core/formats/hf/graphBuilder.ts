import type { Dim } from '../../ir/dim';
import { sym } from '../../ir/dim';
import type { DType } from '../../ir/dtype';
import type { Attribute, Graph, Node, ValueInfo } from '../../ir/graph';
import type { LazyTensor } from '../../ir/tensor';

/**
 * Builds an IR graph node by node for the LLM families: unique value names, node ids from module
 * paths (`model.layers.0.self_attn.q_proj`), and scopes from those paths so that the N decoder
 * blocks are sibling scopes (`model/layers.0`, `model/layers.1`, ...) that the repeated-block motif
 * and the graph view group.
 */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers = new Map<string, LazyTensor>();
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  private ids = new Set<string>();
  private values = 0;

  input(name: string, dtype: DType, shape: Dim[]): string {
    this.inputs.push({ name, dtype, shape });
    return name;
  }

  output(name: string, dtype: DType): void {
    this.outputs.push({ name, dtype });
  }

  initializer(t: LazyTensor): string {
    this.initializers.set(t.name, t);
    return t.name;
  }

  /** Adds a node named by its module path; returns its output value names. */
  node(opType: string, path: string, inputs: string[], opts: { outputs?: number; attrs?: Record<string, Attribute>; domain?: string; weights?: string[]; names?: string[] } = {}): string[] {
    let id = path;
    for (let k = 2; this.ids.has(id); k++) id = `${path}#${k}`;
    this.ids.add(id);
    // "@" keeps value names apart from tensor names of a checkpoint (which never hold it in practice).
    const outs = opts.names ?? Array.from({ length: opts.outputs ?? 1 }, () => `@${++this.values}`);
    const n: Node = { id, name: id, opType, domain: opts.domain ?? '', inputs, outputs: outs, attrs: opts.attrs ?? {}, scope: scopeOfPath(path) };
    if (opts.weights) n.weights = opts.weights;
    this.nodes.push(n);
    return outs;
  }

  /** One-output shorthand. */
  op(opType: string, path: string, inputs: string[], attrs?: Record<string, Attribute>, domain?: string): string {
    return this.node(opType, path, inputs, { attrs, domain })[0];
  }

  ints(path: string, values: number[]): string {
    return this.op('Constant', path, [], { value_ints: { kind: 'ints', value: values } });
  }

  graph(name: string): Graph {
    return { name, nodes: this.nodes, inputs: this.inputs, outputs: this.outputs, initializers: this.initializers, valueInfo: new Map() };
  }
}

/** `model.layers.0.self_attn.q_proj` → [model, layers.0, self_attn]: numeric parts join their list. */
export function scopeOfPath(path: string): string[] {
  const parts: string[] = [];
  for (const p of path.split('.')) {
    if (/^\d+$/.test(p) && parts.length > 0) parts[parts.length - 1] += `.${p}`;
    else parts.push(p);
  }
  return parts.slice(0, -1);
}

export const BATCH = sym('batch');
export const SEQUENCE = sym('sequence');
