import type { Motif } from '../../src/core/motifs/types';
import type { GEdge, GNode, GraphModel } from './graphModel';
import { countValue } from './format';
import type { OpFamily } from './opFamily';

/** A collapsible group: a name scope, or a repeated block found by motif search. */
export interface Group {
  id: string;
  label: string;
  parent: string | null;
  children: string[];
  /** Node ids directly in this group (not in a child group). */
  direct: string[];
  /** Every node id inside, at any depth. */
  members: string[];
  /** "×12" when the group is one instance of a repeated block. */
  repeat?: { index: number; count: number; stack?: boolean };
  params: number;
  macs: number;
  flops: number;
  family: OpFamily;
}

export interface Hierarchy {
  groups: Map<string, Group>;
  /** Node id -> innermost group id (absent: top level). */
  groupOf: Map<string, string>;
  roots: string[];
}

export const SMALL_GRAPH = 250;
export const COLLAPSED_BUDGET = 60;
/** Two identical Conv+Relu scopes are not worth a "×2" block. */
const MIN_REPEAT_LAYERS = 4;

export interface HierarchyOptions {
  /**
   * Fold a run of identical sibling blocks (a language model's N decoder layers) into one "×N" group
   * whose children are the instances: closed, the whole stack is one node; open, the N blocks.
   */
  stackRepeats?: boolean;
}

/** Builds the group tree from scopes (and, for scope-less layers, repeated-block motifs). */
export function buildHierarchy(model: GraphModel, motifs: Motif[], include: (n: GNode) => boolean, opts: HierarchyOptions = {}): Hierarchy {
  const groups = new Map<string, Group>();
  const groupOf = new Map<string, string>();
  const ensure = (path: string[]): string => {
    const id = `g:${path.join('/')}`;
    if (!groups.has(id)) {
      const parent = path.length > 1 ? ensure(path.slice(0, -1)) : null;
      groups.set(id, emptyGroup(id, path[path.length - 1], parent));
      if (parent) groups.get(parent)!.children.push(id);
    }
    return id;
  };
  const repeatByLayer = new Map<string, Motif>();
  for (const m of motifs) if (m.kind === 'repeated') for (const l of m.layers) repeatByLayer.set(l, m);

  for (const n of model.nodes) {
    if (!include(n)) continue;
    if (n.scope.length > 0) {
      groupOf.set(n.id, ensure(n.scope));
      continue;
    }
    const m = repeatByLayer.get(n.id);
    if (m) {
      const id = `m:${m.id}`;
      if (!groups.has(id)) groups.set(id, emptyGroup(id, `block ${(m.repeat?.index ?? 0) + 1}`, null));
      groupOf.set(n.id, id);
    }
  }
  for (const m of motifs) {
    const g = groups.get(`m:${m.id}`);
    if (g && m.repeat) g.repeat = { index: m.repeat.index, count: m.repeat.count };
  }
  for (const [nid, gid] of groupOf) groups.get(gid)!.direct.push(nid);
  const runs = markRepeatedSiblings(groups, model);
  if (opts.stackRepeats) for (const run of runs) stack(groups, run);

  compress(groups, groupOf);
  const roots: string[] = [];
  for (const g of groups.values()) if (g.parent === null) roots.push(g.id);
  const fill = (g: Group): string[] => {
    const m = [...g.direct];
    for (const c of g.children) m.push(...fill(groups.get(c)!));
    g.members = m;
    return m;
  };
  for (const r of roots) fill(groups.get(r)!);
  for (const g of groups.values()) summarise(g, model);
  return { groups, groupOf, roots };
}

/**
 * Sibling scopes with the same op sequence are instances of one block (layers.0 … layers.11) at every
 * depth, which is what lets a collapsed transformer read as a stack of identical blocks.
 */
function markRepeatedSiblings(groups: Map<string, Group>, model: GraphModel): Group[][] {
  const runs: Group[][] = [];
  const sig = new Map<string, string>();
  const signature = (g: Group): string => {
    let s = sig.get(g.id);
    if (s === undefined) {
      const direct = g.direct.map((id) => model.byId.get(id)?.type ?? '?').join(',');
      s = `${direct}[${g.children.map((c) => signature(groups.get(c)!)).join(';')}]`;
      sig.set(g.id, s);
    }
    return s;
  };
  const size = (g: Group): number => g.direct.length + g.children.reduce((n, c) => n + size(groups.get(c)!), 0);
  const byParent = new Map<string | null, Group[]>();
  for (const g of groups.values()) {
    let l = byParent.get(g.parent);
    if (!l) byParent.set(g.parent, (l = []));
    l.push(g);
  }
  for (const siblings of byParent.values()) {
    const bySig = new Map<string, Group[]>();
    for (const g of siblings) {
      if (g.repeat || g.id.startsWith('m:') || size(g) < MIN_REPEAT_LAYERS) continue;
      const k = signature(g);
      let l = bySig.get(k);
      if (!l) bySig.set(k, (l = []));
      l.push(g);
    }
    for (const same of bySig.values()) {
      if (same.length < 2) continue;
      same.forEach((g, index) => (g.repeat = { index, count: same.length }));
      runs.push(same);
    }
  }
  return runs;
}

/**
 * Puts the instances of a repeated block under one new group (id `s:` + the first's id) when they are
 * consecutive children of their parent — interleaved blocks (A B A B) stay apart, so that the stack's
 * edges keep the model's order.
 */
function stack(groups: Map<string, Group>, run: Group[]): void {
  const parentId = run[0].parent;
  const siblings = parentId === null ? [...groups.values()].filter((g) => g.parent === null).map((g) => g.id) : groups.get(parentId)!.children;
  const at = run.map((g) => siblings.indexOf(g.id));
  if (at.some((x, i) => x !== at[0] + i)) return;
  const id = `s:${run[0].id}`;
  const s = emptyGroup(id, `${run[0].label} … ${run[run.length - 1].label}`, parentId);
  s.children = run.map((g) => g.id);
  s.repeat = { index: 0, count: run.length, stack: true };
  for (const g of run) g.parent = id;
  if (parentId !== null) {
    const p = groups.get(parentId)!;
    p.children = [...siblings.slice(0, at[0]), id, ...siblings.slice(at[0] + run.length)];
  }
  groups.set(id, s);
}

function emptyGroup(id: string, label: string, parent: string | null): Group {
  return { id, label, parent, children: [], direct: [], members: [], params: 0, macs: 0, flops: 0, family: 'other' };
}

/** A group holding one node is noise, and a chain of single-child groups reads better as one "a/b". */
function compress(groups: Map<string, Group>, groupOf: Map<string, string>): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const g of [...groups.values()]) {
      if (!groups.has(g.id)) continue;
      if (g.children.length === 1 && g.direct.length === 0 && !g.repeat) {
        const c = groups.get(g.children[0])!;
        if (c.repeat) continue;
        g.label = `${g.label}/${c.label}`;
        g.children = c.children;
        g.direct = c.direct;
        for (const cc of c.children) groups.get(cc)!.parent = g.id;
        for (const n of c.direct) groupOf.set(n, g.id);
        groups.delete(c.id);
        changed = true;
      } else if (g.children.length === 0 && g.direct.length <= 1 && !g.repeat) {
        const parent = g.parent ? groups.get(g.parent)! : undefined;
        for (const n of g.direct) {
          if (parent) {
            parent.direct.push(n);
            groupOf.set(n, parent.id);
          } else groupOf.delete(n);
        }
        if (parent) parent.children = parent.children.filter((x) => x !== g.id);
        groups.delete(g.id);
        changed = true;
      }
    }
  }
}

function summarise(g: Group, model: GraphModel): void {
  const famCount = new Map<OpFamily, number>();
  for (const id of g.members) {
    const l = model.byId.get(id)?.layer;
    if (!l) continue;
    g.params += l.params;
    g.macs += countValue(l.macs) ?? 0;
    g.flops += countValue(l.flops) ?? 0;
    const fam = model.byId.get(id)!.family;
    // Colour a group by where its compute is; elementwise/shape ops are everywhere and say little.
    const weight = (countValue(l.macs) ?? 0) + (fam === 'shape' || fam === 'elementwise' ? 0 : 1);
    famCount.set(fam, (famCount.get(fam) ?? 0) + weight);
  }
  let best: OpFamily = 'other';
  let bestN = -1;
  for (const [f, n] of famCount) if (n > bestN) [best, bestN] = [f, n];
  g.family = best;
}

/** Which groups are open when a model is first shown: everything for small graphs, else by budget. */
export function autoExpanded(h: Hierarchy, nodeCount: number, budget = COLLAPSED_BUDGET): Set<string> {
  const open = new Set<string>();
  if (nodeCount <= SMALL_GRAPH) {
    for (const id of h.groups.keys()) open.add(id);
    return open;
  }
  const topLevelNodes = nodeCount - [...h.roots].reduce((s, r) => s + h.groups.get(r)!.members.length, 0);
  let visible = topLevelNodes + h.roots.length;
  const frontier = [...h.roots];
  for (;;) {
    // Repeated instances stay shut: twelve identical closed blocks are the point of collapsing.
    const candidates = frontier.filter((id) => !open.has(id) && !h.groups.get(id)!.repeat);
    candidates.sort((a, b) => h.groups.get(b)!.members.length - h.groups.get(a)!.members.length);
    const pick = candidates.find((id) => {
      const g = h.groups.get(id)!;
      return visible - 1 + g.children.length + g.direct.length <= budget;
    });
    if (pick === undefined) break;
    const g = h.groups.get(pick)!;
    open.add(pick);
    visible += g.children.length + g.direct.length - 1;
    frontier.push(...g.children);
  }
  return open;
}

export interface VisibleNode {
  id: string;
  kind: 'node' | 'group';
  node?: GNode;
  group?: Group;
}

export interface VisibleEdge {
  id: string;
  from: string;
  to: string;
  /** The tensors this edge stands for (several when it joins collapsed groups). */
  tensors: GEdge['tensor'][];
}

export interface VisibleGraph {
  nodes: VisibleNode[];
  edges: VisibleEdge[];
  /** Node id -> id of the visible item that shows it. */
  rep: Map<string, string>;
}

/** The graph as drawn: closed groups stand for their members, edges between them are merged. */
export function visibleGraph(model: GraphModel, h: Hierarchy, open: Set<string>, include: (n: GNode) => boolean): VisibleGraph {
  const rep = new Map<string, string>();
  const nodes: VisibleNode[] = [];
  const shownGroups = new Set<string>();
  for (const n of model.nodes) {
    if (!include(n)) continue;
    let r = n.id;
    // Outermost closed ancestor wins.
    let g = h.groupOf.get(n.id);
    const chain: string[] = [];
    while (g !== undefined) {
      chain.push(g);
      g = h.groups.get(g)!.parent ?? undefined;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      if (!open.has(chain[i])) {
        r = chain[i];
        break;
      }
    }
    rep.set(n.id, r);
    if (r === n.id) nodes.push({ id: n.id, kind: 'node', node: n });
    else if (!shownGroups.has(r)) {
      shownGroups.add(r);
      nodes.push({ id: r, kind: 'group', group: h.groups.get(r)! });
    }
  }
  const edges: VisibleEdge[] = [];
  const byKey = new Map<string, VisibleEdge>();
  for (const e of model.edges) {
    const a = rep.get(e.from);
    const b = rep.get(e.to);
    if (a === undefined || b === undefined || a === b) continue;
    const key = `${a}\u0000${b}`;
    let ve = byKey.get(key);
    if (!ve) {
      ve = { id: `e${edges.length}`, from: a, to: b, tensors: [] };
      byKey.set(key, ve);
      edges.push(ve);
    }
    if (ve.tensors.length < 8) ve.tensors.push(e.tensor);
  }
  return { nodes, edges, rep };
}

/** Groups to open so that `id` is drawn as itself. */
export function ancestorsOf(h: Hierarchy, id: string): string[] {
  const out: string[] = [];
  let g = h.groupOf.get(id);
  while (g !== undefined) {
    out.push(g);
    g = h.groups.get(g)!.parent ?? undefined;
  }
  return out;
}
