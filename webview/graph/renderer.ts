import { clear, s } from '../dom';
import type { LayoutResult, Point } from './layoutTypes';
import type { Scene, SceneNode } from './scene';
import { Viewport, type Transform } from './viewport';
import { heatColor, heatIsLight } from '../model/metrics';

/** Above this many drawn nodes the SVG is split into tiles and culled while panning. */
const CULL_NODES = 1500;
const TILE = 800;

export interface RendererEvents {
  click(id: string, ev: MouseEvent): void;
  dblclick(id: string, ev: MouseEvent): void;
  badge(id: string): void;
  toggle(id: string): void;
  background(): void;
  transform(t: Transform): void;
}

/** SVG drawing of a laid-out scene, with zoom/pan and highlight states. */
export class GraphRenderer {
  readonly svg: SVGSVGElement;
  readonly viewport: Viewport;
  private root: SVGGElement;
  private layers: { motifs: SVGGElement; edges: SVGGElement; labels: SVGGElement; nodes: SVGGElement };
  private nodeEls = new Map<string, SVGGElement>();
  private edgeEls: { el: SVGPathElement; from: string; to: string }[] = [];
  layout: LayoutResult | undefined;
  scene: Scene | undefined;
  /** Big graphs are drawn in tiles; tiles outside the view are display:none, so panning stays cheap. */
  private tiles = new Map<string, { x: number; y: number; els: SVGGElement[] }>();

  constructor(container: HTMLElement, private ev: RendererEvents) {
    this.svg = s('svg', { class: 'graph', role: 'application', 'aria-label': 'Model graph', tabindex: 0 });
    const defs = s('defs', {},
      s('marker', { id: 'ml-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,1 L9,5 L0,9 z', class: 'arrow' })),
    );
    this.root = s('g', { class: 'viewport' });
    this.layers = { motifs: s('g', { class: 'motifs' }), edges: s('g', { class: 'edges' }), labels: s('g', { class: 'edge-labels' }), nodes: s('g', { class: 'nodes' }) };
    this.root.append(this.layers.motifs, this.layers.edges, this.layers.labels, this.layers.nodes);
    this.svg.append(defs, this.root);
    container.appendChild(this.svg);
    this.viewport = new Viewport(this.svg, this.root);
    this.viewport.onChange = (t) => {
      // Text is unreadable below ~40% zoom and costs the most to paint: drop it while zoomed out.
      this.svg.classList.toggle('lod-low', t.k < 0.4);
      this.cull();
      this.ev.transform(t);
    };
    this.svg.addEventListener('click', (e) => this.onClick(e));
    this.svg.addEventListener('dblclick', (e) => {
      const id = this.hitNode(e.target);
      if (id !== undefined) this.ev.dblclick(id, e);
    });
  }

  private hitNode(t: EventTarget | null): string | undefined {
    const el = (t as Element | null)?.closest?.('g.node');
    return el ? (el as SVGGElement).dataset.id : undefined;
  }

  private onClick(e: MouseEvent): void {
    if (this.viewport.justDragged) return;
    const target = e.target as Element;
    const frame = target.closest?.('g.frame .frame-toggle')?.closest('g.frame') as SVGGElement | null | undefined;
    if (frame?.dataset.id) return this.ev.toggle(frame.dataset.id);
    const id = this.hitNode(target);
    if (id === undefined) return this.ev.background();
    if (target.closest('.badge')) return this.ev.badge(id);
    if (target.closest('.toggle')) return this.ev.toggle(id);
    this.ev.click(id, e);
  }

  draw(scene: Scene, layout: LayoutResult): void {
    this.scene = scene;
    this.layout = layout;
    for (const g of Object.values(this.layers)) clear(g);
    this.nodeEls.clear();
    this.edgeEls = [];
    const byId = new Map(scene.nodes.map((n) => [n.id, n]));

    this.tiles.clear();
    const tiled = scene.nodes.length > CULL_NODES;
    const tileOf = (x: number, y: number, layer: SVGGElement, frag: DocumentFragment): Node => {
      if (!tiled) return frag;
      const tx = Math.floor(x / TILE);
      const ty = Math.floor(y / TILE);
      const key = `${tx},${ty}`;
      let tile = this.tiles.get(key);
      if (!tile) this.tiles.set(key, (tile = { x: tx, y: ty, els: [] }));
      let g = tile.els.find((e) => e.parentNode === layer || (e as unknown as { __layer?: SVGGElement }).__layer === layer);
      if (!g) {
        g = s('g', { class: 'tile' });
        (g as unknown as { __layer?: SVGGElement }).__layer = layer;
        tile.els.push(g);
        frag.appendChild(g);
      }
      return g;
    };

    const edgeFrag = document.createDocumentFragment();
    const labelFrag = document.createDocumentFragment();
    for (const e of scene.edges) {
      const pts = layout.edges.get(e.id);
      if (!pts || pts.length < 2) continue;
      const path = s('path', { d: roundedPath(pts), class: 'edge', 'marker-end': 'url(#ml-arrow)' });
      path.dataset.from = e.from;
      path.dataset.to = e.to;
      tileOf(pts[0].x, pts[0].y, this.layers.edges, edgeFrag).appendChild(path);
      this.edgeEls.push({ el: path, from: e.from, to: e.to });
      if (e.label) {
        const at = labelPoint(pts);
        const w = e.label.length * 6 + 8;
        tileOf(at.x, at.y, this.layers.labels, labelFrag).appendChild(s('g', { class: 'edge-label', transform: `translate(${at.x + 4},${at.y - 7})` },
          s('rect', { width: w, height: 14, rx: 3 }),
          s('text', { x: 4, y: 10.5 }, e.label)));
      }
    }
    this.layers.edges.appendChild(edgeFrag);
    this.layers.labels.appendChild(labelFrag);

    const nodeFrag = document.createDocumentFragment();
    for (const n of scene.nodes) {
      const box = layout.nodes.get(n.id);
      if (!box) continue;
      const g = this.drawNode(n, box.x, box.y);
      tileOf(box.x, box.y, this.layers.nodes, nodeFrag).appendChild(g);
      this.nodeEls.set(n.id, g);
    }
    this.layers.nodes.appendChild(nodeFrag);

    const motifFrag = document.createDocumentFragment();
    const tagCount = new Map<string, number>();
    for (const m of scene.motifs) {
      if (m.box) {
        const boxes = m.nodes.map((id) => layout.nodes.get(id)).filter((b) => !!b);
        if (boxes.length >= 2) {
          const pad = m.kind === 'residual' ? 12 : 6;
          const x0 = Math.min(...boxes.map((b) => b.x)) - pad;
          const y0 = Math.min(...boxes.map((b) => b.y)) - pad;
          const x1 = Math.max(...boxes.map((b) => b.x + b.width)) + pad;
          const y1 = Math.max(...boxes.map((b) => b.y + b.height)) + pad;
          const g = s('g', { class: `motif motif-${m.kind}` }, s('rect', { x: x0, y: y0, width: x1 - x0, height: y1 - y0, rx: 10 }));
          g.dataset.id = m.id;
          motifFrag.appendChild(g);
        }
      }
      const a = layout.nodes.get(m.anchor);
      const nodeEl = this.nodeEls.get(m.anchor);
      if (!a || !nodeEl) continue;
      // Tags stack on the anchor's right edge, outside the node so they never hide its text.
      const k = tagCount.get(m.anchor) ?? 0;
      tagCount.set(m.anchor, k + 1);
      const w = m.label.length * 6 + 12;
      nodeEl.appendChild(s('g', { class: `motif-tag motif-${m.kind}`, transform: `translate(${a.width + 6},${2 + k * 17})` },
        s('rect', { width: w, height: 15, rx: 7.5 }), s('text', { x: w / 2, y: 11, 'text-anchor': 'middle' }, m.label)));
    }
    this.layers.motifs.appendChild(motifFrag);
    this.drawFrames(scene, layout);
    void byId;
  }

  /** Frames of expanded groups, behind everything: name at the top left, a "−" that collapses it. */
  private drawFrames(scene: Scene, layout: LayoutResult): void {
    const frag = document.createDocumentFragment();
    for (const f of scene.frames ?? []) {
      const boxes = f.nodes.map((id) => layout.nodes.get(id)).filter((b) => !!b);
      if (!boxes.length) continue;
      const pad = Math.max(6, 22 - 4 * f.depth);
      const x0 = Math.min(...boxes.map((b) => b.x)) - pad;
      const y0 = Math.min(...boxes.map((b) => b.y)) - pad - 16;
      const x1 = Math.max(...boxes.map((b) => b.x + b.width)) + pad;
      const y1 = Math.max(...boxes.map((b) => b.y + b.height)) + pad;
      const g = s('g', { class: 'frame', transform: `translate(${x0},${y0})` },
        s('title', {}, `${f.label} (expanded): click − to collapse`),
        s('rect', { class: 'frame-body', width: x1 - x0, height: y1 - y0, rx: 8 }),
        s('text', { class: 'frame-label', x: 24, y: 13 }, f.label),
        s('g', { class: 'frame-toggle', transform: 'translate(4,2)' }, s('rect', { width: 15, height: 15, rx: 3 }), s('path', { d: 'M4,7.5 H11' })));
      g.dataset.id = f.id;
      frag.appendChild(g);
    }
    // Outer frames first, so inner ones draw over them; all behind motifs, edges and nodes.
    this.layers.motifs.insertBefore(frag, this.layers.motifs.firstChild);
  }

  private drawNode(n: SceneNode, x: number, y: number): SVGGElement {
    const g = s('g', { class: `node kind-${n.kind} fam-${n.family}${n.notCosted ? ' not-costed' : ''}`, transform: `translate(${x},${y})` });
    g.dataset.id = n.id;
    const w = n.width;
    const hgt = n.height;
    g.appendChild(s('title', {}, n.tooltip));
    if (n.kind === 'group' && (n.repeat?.count ?? 0) > 1) {
      g.appendChild(s('rect', { class: 'stack', x: 6, y: 6, width: w, height: hgt, rx: 7 }));
      g.appendChild(s('rect', { class: 'stack', x: 3, y: 3, width: w, height: hgt, rx: 7 }));
    }
    const rx = n.kind === 'input' || n.kind === 'output' ? hgt / 2 : n.kind === 'group' ? 7 : 5;
    const body = s('rect', { class: 'body', width: w, height: hgt, rx });
    if (n.heat !== undefined) {
      g.classList.add('heat');
      if (n.heat === null) g.classList.add('heat-na');
      else {
        // Inline style, not the fill attribute: the stylesheet's fill would win over an attribute.
        body.style.fill = heatColor(n.heat);
        for (const st of g.querySelectorAll<SVGRectElement>('rect.stack')) st.style.fill = heatColor(n.heat);
        g.classList.add(heatIsLight(n.heat) ? 'heat-light' : 'heat-dark');
      }
    }
    g.appendChild(body);
    if (n.kind === 'layer') g.appendChild(s('rect', { class: 'stripe', width: 4, height: hgt - 8, x: 0, y: 4, rx: 2 }));
    const twoLines = n.subtitle !== '';
    const cx = n.kind === 'layer' ? 12 : 10;
    if (n.kind === 'input' || n.kind === 'output') {
      g.appendChild(s('text', { class: 'title', x: w / 2, y: twoLines ? 16 : hgt / 2 + 4, 'text-anchor': 'middle' }, n.title));
      if (twoLines) g.appendChild(s('text', { class: 'subtitle', x: w / 2, y: 30, 'text-anchor': 'middle' }, n.subtitle));
    } else {
      g.appendChild(s('text', { class: 'title', x: cx, y: twoLines ? 17 : hgt / 2 + 4 }, n.title));
      if (twoLines) g.appendChild(s('text', { class: 'subtitle', x: cx, y: 32 }, n.subtitle));
    }
    if (n.metric) g.appendChild(s('text', { class: 'metric', x: w - 8, y: 17, 'text-anchor': 'end' }, n.metric));
    if (n.kind === 'group') {
      if (n.repeat && n.repeat.count > 1) {
        // "3 of 8": this block is one of eight identical ones ("×8" on each read as eight times this one).
        // A stack stands for all its instances (a language model's N decoder blocks): "×N".
        const label = n.repeat.stack ? `×${n.repeat.count}` : `${n.repeat.index + 1} of ${n.repeat.count}`;
        const bw = label.length * 6.5 + 10;
        g.appendChild(s('g', { class: 'repeat', transform: `translate(${w - bw - 28},5)` },
          s('rect', { width: bw, height: 16, rx: 8 }), s('text', { x: bw / 2, y: 12, 'text-anchor': 'middle' }, label)));
      }
      g.appendChild(s('g', { class: 'toggle', transform: `translate(${w - 22},5)` },
        s('rect', { width: 16, height: 16, rx: 3 }), s('path', { d: 'M4,8 H12 M8,4 V12' })));
    }
    if (n.hints > 0) {
      g.appendChild(s('g', { class: 'badge', transform: `translate(${w - 6},-6)`, role: 'button' },
        s('title', {}, `${n.hints} optimization hint${n.hints > 1 ? 's' : ''}`),
        s('circle', { r: 9 }), s('path', { d: 'M1,-6 L-4,1 L0,1 L-1,6 L4,-1 L0,-1 Z' })));
    }
    return g;
  }

  /** Shows the tiles near the view (one tile of margin), hides the rest. */
  private cull(): void {
    if (this.tiles.size === 0) return;
    const t = this.viewport.t;
    const { w, h } = this.viewport.size();
    const x0 = Math.floor(-t.x / t.k / TILE) - 1;
    const y0 = Math.floor(-t.y / t.k / TILE) - 1;
    const x1 = Math.floor((w - t.x) / t.k / TILE) + 1;
    const y1 = Math.floor((h - t.y) / t.k / TILE) + 1;
    for (const tile of this.tiles.values()) {
      const show = tile.x >= x0 && tile.x <= x1 && tile.y >= y0 && tile.y <= y1;
      for (const g of tile.els) g.style.display = show ? '' : 'none';
    }
  }

  nodeBox(id: string): { x: number; y: number; width: number; height: number } | undefined {
    return this.layout?.nodes.get(id);
  }

  setClass(cls: string, ids: Iterable<string>): void {
    for (const el of this.svg.querySelectorAll(`.${cls}`)) el.classList.remove(cls);
    for (const id of ids) this.nodeEls.get(id)?.classList.add(cls);
  }

  setSelected(id: string | undefined): void {
    this.setClass('selected', id ? [id] : []);
    for (const e of this.edgeEls) e.el.classList.toggle('active', id !== undefined && (e.from === id || e.to === id));
  }

  setFocus(id: string | undefined): void {
    this.setClass('focused', id ? [id] : []);
  }

  setMatches(ids: Set<string> | null): void {
    this.svg.classList.toggle('searching', ids !== null);
    this.setClass('match', ids ?? []);
  }

  /** The search match the user stepped to (class "current"); undefined: none. */
  setCurrentMatch(id: string | undefined): void {
    this.setClass('current', id !== undefined ? [id] : []);
  }

  nodeElement(id: string): SVGGElement | undefined {
    return this.nodeEls.get(id);
  }

  fit(): void {
    if (this.layout) this.viewport.fit({ x: 0, y: 0, width: this.layout.width, height: this.layout.height });
  }
}

function roundedPath(pts: Point[]): string {
  if (pts.length === 2) return `M${pts[0].x},${pts[0].y} L${pts[1].x},${pts[1].y}`;
  let d = `M${pts[0].x},${pts[0].y}`;
  for (let i = 1; i < pts.length - 1; i++) {
    const p = pts[i - 1];
    const c = pts[i];
    const n = pts[i + 1];
    const r = Math.min(8, dist(p, c) / 2, dist(c, n) / 2);
    const a = toward(c, p, r);
    const b = toward(c, n, r);
    d += ` L${a.x},${a.y} Q${c.x},${c.y} ${b.x},${b.y}`;
  }
  const last = pts[pts.length - 1];
  return `${d} L${last.x},${last.y}`;
}

function dist(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

function toward(from: Point, to: Point, r: number): Point {
  const d = dist(from, to) || 1;
  return { x: from.x + ((to.x - from.x) * r) / d, y: from.y + ((to.y - from.y) * r) / d };
}

/** Middle of the longest run of the edge: converging and diverging edges share their short ends. */
function labelPoint(pts: Point[]): Point {
  let best = 0;
  let at = { x: (pts[0].x + pts[1].x) / 2, y: (pts[0].y + pts[1].y) / 2 };
  for (let i = 1; i < pts.length; i++) {
    const d = dist(pts[i - 1], pts[i]);
    if (d > best) {
      best = d;
      at = { x: (pts[i - 1].x + pts[i].x) / 2, y: (pts[i - 1].y + pts[i].y) / 2 };
    }
  }
  return at;
}
