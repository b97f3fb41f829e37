import ELK from 'elkjs/lib/elk-api.js';
import type { ElkNode } from 'elkjs/lib/elk-api.js';
import workerSource from 'elk-worker-source';
import type { LayoutInput, LayoutResult, Point } from './layoutTypes';
import { simpleLayout } from './simpleLayout';

/** Above this many drawn nodes ELK's layered algorithm takes seconds; the linear layout takes over. */
export const ELK_MAX_NODES = 2500;

let elk: InstanceType<typeof ELK> | undefined;
let workerBroken = false;

function engine(): InstanceType<typeof ELK> | undefined {
  if (workerBroken) return undefined;
  if (!elk) {
    try {
      // Webviews cannot start workers from resource URLs; a blob: URL of the inlined script works
      // (the CSP allows worker-src blob:).
      const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
      elk = new ELK({ workerFactory: () => new Worker(url) });
    } catch {
      workerBroken = true;
      return undefined;
    }
  }
  return elk;
}

/**
 * Tuned for speed on 2 cores: one crossing-minimisation pass without greedy switching costs about
 * half the defaults on a 150-node CNN. Layering stays network simplex: longest-path layering blew
 * Keras ResNet-50 up to 12,000 px wide and 10 s of layout.
 */
const OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.spacing.nodeNodeBetweenLayers': '30',
  'elk.spacing.nodeNode': '20',
  'elk.layered.spacing.edgeNodeBetweenLayers': '12',
  'elk.spacing.edgeEdge': '8',
  'elk.layered.layering.strategy': 'NETWORK_SIMPLEX',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.layered.nodePlacement.bk.fixedAlignment': 'BALANCED',
  // Keep the model's order: exporters list nodes topologically, which already reads well.
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.thoroughness': '1',
  'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
  'elk.separateConnectedComponents': 'false',
  'elk.padding': '[top=20,left=20,bottom=20,right=20]',
};

/** Starts the worker and lets ELK initialise while the host is still analysing the model. */
export function warmUpLayout(): void {
  const e = engine();
  // A real layout of a CNN-sized graph: the layered algorithm's code gets compiled while the host
  // is still reading the model, so the first real layout runs at full speed.
  if (e) {
    const n = 120;
    const children = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, width: 120, height: 36 }));
    const edges = children.slice(1).flatMap((c, i) => [
      { id: `a${i}`, sources: [`n${i}`], targets: [c.id] },
      ...(i % 5 === 0 && i + 4 < n ? [{ id: `s${i}`, sources: [`n${i}`], targets: [`n${i + 4}`] }] : []),
    ]);
    const warm = (k: number): void => {
      void e.layout({ id: 'warm', layoutOptions: OPTIONS, children: structuredClone(children), edges: structuredClone(edges) })
        .then(() => k > 1 && warm(k - 1), () => undefined);
    };
    warm(2);
  }
}

export async function layoutGraph(input: LayoutInput): Promise<LayoutResult> {
  const e = input.nodes.length <= ELK_MAX_NODES ? engine() : undefined;
  if (!e) return simpleLayout(input);
  const t0 = performance.now();
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: OPTIONS,
    children: input.nodes.map((n) => ({ id: n.id, width: n.width, height: n.height })),
    edges: input.edges.map((x) => ({ id: x.id, sources: [x.from], targets: [x.to] })),
  };
  let out: ElkNode;
  try {
    out = await withTimeout(e.layout(graph), 10000);
  } catch (err) {
    // A timeout on one huge graph does not mean the worker is broken: only a failed start does.
    if (!(err instanceof Error && err.message === 'layout timed out')) workerBroken = true;
    console.warn('ModelLens: ELK layout failed, using the simple layout', err);
    return simpleLayout(input);
  }
  const nodes: LayoutResult['nodes'] = new Map();
  for (const c of out.children ?? []) nodes.set(c.id, { x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 });
  const edges = new Map<string, Point[]>();
  for (const ed of (out.edges ?? []) as { id: string; sections?: { startPoint: Point; endPoint: Point; bendPoints?: Point[] }[] }[]) {
    const s = ed.sections?.[0];
    if (s) edges.set(ed.id, [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
  }
  return { nodes, edges, width: out.width ?? 0, height: out.height ?? 0, engine: 'elk', ms: performance.now() - t0 };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('layout timed out')), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (err) => { clearTimeout(t); reject(err); });
  });
}
