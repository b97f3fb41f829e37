import type { LayoutInput, LayoutResult, Point } from './layoutTypes';

/**
 * A linear-time layered layout (longest-path layers, two barycenter sweeps). Used when the ELK worker
 * cannot start and for graphs too large for ELK to finish quickly; ELK is the normal path.
 */
export function simpleLayout(input: LayoutInput, gapX = 24, gapY = 44): LayoutResult {
  const t0 = Date.now();
  const ids = input.nodes.map((n) => n.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const succ: number[][] = ids.map(() => []);
  const pred: number[][] = ids.map(() => []);
  const indeg = new Array<number>(ids.length).fill(0);
  for (const e of input.edges) {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined || a === b) continue;
    succ[a].push(b);
    pred[b].push(a);
    indeg[b]++;
  }
  const layer = new Array<number>(ids.length).fill(0);
  const queue: number[] = [];
  indeg.forEach((d, i) => d === 0 && queue.push(i));
  for (let q = 0; q < queue.length; q++) {
    const a = queue[q];
    for (const b of succ[a]) {
      layer[b] = Math.max(layer[b], layer[a] + 1);
      if (--indeg[b] === 0) queue.push(b);
    }
  }
  const layers: number[][] = [];
  ids.forEach((_, i) => (layers[layer[i]] ??= []).push(i));
  const pos = new Array<number>(ids.length).fill(0);
  const orderLayer = (l: number[], nb: number[][]): void => {
    const bc = new Map<number, number>();
    for (const i of l) {
      const ns = nb[i];
      bc.set(i, ns.length ? ns.reduce((s, j) => s + pos[j], 0) / ns.length : pos[i]);
    }
    l.sort((a, b) => bc.get(a)! - bc.get(b)!);
    l.forEach((i, k) => (pos[i] = k));
  };
  layers.forEach((l) => l.forEach((i, k) => (pos[i] = k)));
  for (let sweep = 0; sweep < 2; sweep++) {
    for (let k = 1; k < layers.length; k++) if (layers[k]) orderLayer(layers[k], pred);
    for (let k = layers.length - 2; k >= 0; k--) if (layers[k]) orderLayer(layers[k], succ);
  }
  const nodes: LayoutResult['nodes'] = new Map();
  let y = 0;
  let width = 0;
  const rowWidths = layers.map((l) => (l ?? []).reduce((s, i) => s + input.nodes[i].width + gapX, -gapX));
  const maxRow = Math.max(0, ...rowWidths);
  layers.forEach((l, k) => {
    if (!l) return;
    let x = (maxRow - rowWidths[k]) / 2;
    let h = 0;
    for (const i of l) {
      const n = input.nodes[i];
      nodes.set(n.id, { x, y, width: n.width, height: n.height });
      x += n.width + gapX;
      h = Math.max(h, n.height);
    }
    width = Math.max(width, x - gapX);
    y += h + gapY;
  });
  const edges = new Map<string, Point[]>();
  for (const e of input.edges) {
    const a = nodes.get(e.from);
    const b = nodes.get(e.to);
    if (!a || !b) continue;
    edges.set(e.id, [
      { x: a.x + a.width / 2, y: a.y + a.height },
      { x: b.x + b.width / 2, y: b.y },
    ]);
  }
  return { nodes, edges, width, height: Math.max(0, y - gapY), engine: 'simple', ms: Date.now() - t0 };
}
