import type { Analysis, LayerAnalysis, TensorSummary } from '../../src/core/analysis/types';
import { scopeOf } from '../../src/core/motifs/scope';
import { opFamily, type OpFamily } from './opFamily';

/** A drawable item before collapsing: a layer, or a graph input/output terminal. */
export interface GNode {
  id: string;
  kind: 'layer' | 'input' | 'output';
  name: string;
  type: string;
  family: OpFamily;
  scope: string[];
  layer?: LayerAnalysis;
  tensor?: TensorSummary;
  /** Shape computation and constants: hidden unless the user asks for them. */
  aux: boolean;
}

export interface GEdge {
  from: string;
  to: string;
  tensor: TensorSummary;
}

export interface GraphModel {
  analysis: Analysis;
  nodes: GNode[];
  byId: Map<string, GNode>;
  edges: GEdge[];
}

export const inputNodeId = (name: string): string => `\u0001in:${name}`;
export const outputNodeId = (name: string): string => `\u0001out:${name}`;

function isFloat(dtype: string): boolean {
  return dtype.startsWith('float') || dtype === 'bfloat16' || dtype === 'unknown' || dtype === '';
}

/** A layer that only computes shapes/indices (all outputs non-float) or is a bare constant. */
function isAux(l: LayerAnalysis): boolean {
  if (l.type === 'Constant' || l.type === 'ConstantOfShape') return true;
  if (l.outputs.length === 0) return false;
  const fam = opFamily(l.type, true);
  return (fam === 'shape' || fam === 'elementwise' || fam === 'other') && l.outputs.every((t) => !isFloat(t.dtype));
}

export function buildGraphModel(a: Analysis): GraphModel {
  const nodes: GNode[] = [];
  const byId = new Map<string, GNode>();
  const add = (n: GNode): void => {
    nodes.push(n);
    byId.set(n.id, n);
  };
  for (const t of a.inputs) {
    add({ id: inputNodeId(t.name), kind: 'input', name: t.name, type: 'Input', family: 'io', scope: [], tensor: t, aux: false });
  }
  for (const l of a.layers) {
    add({
      id: l.id, kind: 'layer', name: l.name, type: l.type, family: opFamily(l.type, l.costed),
      scope: scopeOf(l), layer: l, aux: isAux(l),
    });
  }
  for (const t of a.outputs) {
    add({ id: outputNodeId(t.name), kind: 'output', name: t.name, type: 'Output', family: 'io', scope: [], tensor: t, aux: false });
  }
  const producers = a.details.producers;
  const graphInputs = new Set(a.inputs.map((t) => t.name));
  const edges: GEdge[] = [];
  for (const l of a.layers) {
    const seen = new Set<string>();
    for (const t of l.inputs) {
      if (!t.name || seen.has(t.name)) continue;
      seen.add(t.name);
      const p = producers[t.name];
      const from = p !== undefined && byId.has(p) ? p : graphInputs.has(t.name) ? inputNodeId(t.name) : undefined;
      if (from !== undefined && from !== l.id) edges.push({ from, to: l.id, tensor: t });
    }
  }
  for (const t of a.outputs) {
    const p = producers[t.name];
    if (p !== undefined && byId.has(p)) edges.push({ from: p, to: outputNodeId(t.name), tensor: t });
    else if (graphInputs.has(t.name)) edges.push({ from: inputNodeId(t.name), to: outputNodeId(t.name), tensor: t });
  }
  return { analysis: a, nodes, byId, edges };
}

/**
 * A short label for a layer: exporters name nodes "/scope/.../OpType_3", where the last part repeats
 * the op; the innermost scope says more.
 */
export function displayName(l: { name: string; type: string }, depth = 2): string {
  const parts = l.name.split('/').filter(Boolean);
  if (parts.length === 0) return '';
  const last = parts[parts.length - 1];
  const redundant = last === l.type || new RegExp(`^${l.type.replace(/[^\w]/g, '')}(_\\d+)?$`).test(last);
  if (!redundant) return last;
  // torch repeats each module name in its children ("block/block.0/block.0.0"): keep the last of each run.
  const scope = parts.slice(0, -1).filter((p, i, a) => !(a[i + 1] ?? '').startsWith(`${p}.`));
  return scope.slice(-depth).join('/');
}
