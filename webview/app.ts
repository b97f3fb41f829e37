import type { Analysis, LayerAnalysis } from '../src/core/analysis/types';
import { findMotifs } from '../src/core/motifs/index';
import type { Motif, MotifKind } from '../src/core/motifs/types';
import { clear, h } from './dom';
import { exportGraph } from './graph/exportGraph';
import { layoutGraph, warmUpLayout } from './graph/elkLayout';
import { simpleLayout } from './graph/simpleLayout';
import type { LayoutResult } from './graph/layoutTypes';
import { GraphRenderer } from './graph/renderer';
import type { Scene, SceneNode } from './graph/scene';
import { ancestorsOf, autoExpanded, buildHierarchy, visibleGraph, type Hierarchy, type VisibleGraph } from './model/collapse';
import { countValue, human, shapeText } from './model/format';
import { buildGraphModel, displayName, type GNode, type GraphModel } from './model/graphModel';
import { indexMeasured, layerTime, msText, type MeasuredIndex } from './model/measured';
import { heatScale, METRIC_LABEL, metricText, metricValue } from './model/metrics';
import type { OpFamily } from './model/opFamily';
import { reportCsv, reportJson, reportMarkdown } from './model/report';
import { groupDetails, hintCard, layerDetails, type StatsState } from './panels/details';
import { legend } from './panels/legend';
import { measureButton, type MeasureButton } from './panels/measureButton';
import { summaryPanel } from './panels/summary';
import { llmSection, type LlmControls } from './llm/llmSection';
import { weightTensorsSection } from './llm/tensors';
import { ToolbarOverflow } from './panels/toolbarOverflow';
import {
  HEAT_METRICS, PROTOCOL_VERSION, parseHostMessage, parseViewState,
  type ExportFormat, type HeatMetric, type HintView, type HostToWebview, type MeasuredTimes, type NodeDetailsView, type ViewState, type WebviewToHost,
} from './protocol';

type AnalysisMsg = Extract<HostToWebview, { type: 'analysis' }>;

/** Hooks the test harness and the bench read; harmless in VS Code. */
export interface PaintInfo {
  seq: number;
  nodes: number;
  edges: number;
  layers: number;
  engine: string;
  layoutMs: number;
  totalMs: number;
  /** Milliseconds per phase of the last load, for the bench. */
  phases: Record<string, number>;
  /** False for the quick first paint, true once ELK's layout is drawn. */
  final: boolean;
}

export class App {
  private model: GraphModel | undefined;
  private analysis: Analysis | undefined;
  /** Language models: the LLM section's controls (kept across re-renders). */
  private readonly llmControls: LlmControls = {};
  private motifs: Motif[] = [];
  private hints: HintView[] = [];
  private details: Record<string, NodeDetailsView> = {};
  private title = '';
  private hierarchy: Hierarchy | undefined;
  private open = new Set<string>();
  private visible: VisibleGraph | undefined;
  private state: ViewState = {};
  private selected: string | undefined;
  private focus: string | undefined;
  private focusedHint: string | undefined;
  private matches: string[] = [];
  private matchIndex = -1;
  private lastQuery = '';
  private overflow?: ToolbarOverflow;
  private stats = new Map<string, StatsState>();
  /** The last benchmark's per-node times, mapped onto this analysis (the "measured time" heat). */
  private measured: MeasuredIndex | undefined;
  private layoutSeq = 0;
  private paintSeq = 0;
  private received = 0;
  private saveTimer = 0;

  private renderer: GraphRenderer;
  private els: {
    title: HTMLElement; search: HTMLInputElement; searchCount: HTMLElement; metric: HTMLSelectElement;
    shapes: HTMLInputElement; aux: HTMLInputElement; motifs: HTMLInputElement; legend: HTMLElement; status: HTMLElement;
    timeOption: HTMLElement & { disabled: boolean }; measure: MeasureButton;
    overlay: HTMLElement; side: HTMLElement; tabDetails: HTMLElement; tabSummary: HTMLElement; graphPane: HTMLElement;
  };

  constructor(private root: HTMLElement, private vscode: VsCodeApi) {
    const st = parseViewState(vscode.getState() ?? {});
    if (st.ok) this.state = st.msg;
    this.els = this.buildChrome();
    this.renderer = new GraphRenderer(this.els.graphPane, {
      click: (id) => this.select(id),
      dblclick: (id) => {
        if (this.hierarchy?.groups.has(id)) this.toggleGroup(id);
        else if (this.analysis?.layers.some((l) => l.id === id)) this.post({ type: 'openSource', id });
      },
      badge: (id) => {
        const hint = this.hints.find((x) => x.layerIds[0] === id || this.visible?.rep.get(x.layerIds[0]) === id);
        this.focusedHint = hint?.id;
        this.select(hint ? this.visible?.rep.get(hint.layerIds[0]) === id && id !== hint.layerIds[0] ? id : hint.layerIds[0] : id);
      },
      toggle: (id) => this.toggleGroup(id),
      background: () => this.select(undefined),
      transform: (t) => {
        this.state.transform = t;
        this.saveSoon();
      },
    });
    this.renderer.viewport.onUser = () => (this.userMoved = true);
    window.addEventListener('message', (e) => this.onMessage(e.data));
    window.addEventListener('keydown', (e) => this.onKey(e));
    // A graph opened beside an editor changes size as editors are split or closed: keep it in view,
    // unless the user has panned or zoomed it (or a saved view was restored).
    let pending = 0;
    new ResizeObserver(() => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => {
        if (this.userMoved || this.restoreTransform || !this.lastLayout) return;
        this.initialView(this.lastLayout.layout);
        this.renderer.viewport.applyNow();
      });
    }).observe(this.els.graphPane);
    warmUpLayout();
    this.post({ type: 'ready', version: PROTOCOL_VERSION });
  }

  // ---- chrome ------------------------------------------------------------------------------------

  private buildChrome(): App['els'] {
    const search = h('vscode-textfield', { attrs: { placeholder: 'Search name or op  ( / )', 'aria-label': 'Search layers', id: 'search' } }) as unknown as HTMLInputElement;
    search.addEventListener('input', () => this.runSearch(search.value, false));
    search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.runSearch(search.value, true, e.shiftKey ? -1 : 1);
      } else if (e.key === 'Escape') {
        e.preventDefault();
        this.clearSearch();
        this.renderer.svg.focus();
      }
      e.stopPropagation();
    });
    const metric = h('vscode-single-select', { attrs: { id: 'metric', 'aria-label': 'Colour by' } },
      ...HEAT_METRICS.map((m) => h('vscode-option', { text: m === 'none' ? 'Colour: op family' : `Heat: ${METRIC_LABEL[m]}`, attrs: { value: m } }))) as unknown as HTMLSelectElement;
    metric.addEventListener('change', () => this.setMetric(metric.value as HeatMetric));
    // Selectable only once a benchmark sent times (setMeasured enables it).
    const timeOption = metric.querySelector('vscode-option[value="time"]') as HTMLElement & { disabled: boolean };
    timeOption.disabled = true;
    timeOption.title = 'Run Measure first: times come from running the model';
    const measure = measureButton(() => this.post({ type: 'measure' }));
    const check = (label: string, id: string, on: (v: boolean) => void): HTMLInputElement => {
      const c = h('vscode-checkbox', { attrs: { label, id } }) as unknown as HTMLInputElement;
      c.addEventListener('change', () => on(c.checked));
      return c;
    };
    const shapes = check('Shapes', 'show-shapes', (v) => { this.state.showShapes = v; this.relayout(false); });
    const aux = check('Shape math', 'show-aux', (v) => { this.state.showConstants = v; this.rebuild(); });
    const motifs = check('Motifs', 'show-motifs', () => this.redraw());
    motifs.checked = true;
    const btn = (text: string, title: string, f: () => void): HTMLElement => {
      const b = h('vscode-button', { text, title, attrs: { secondary: true } });
      b.addEventListener('click', f);
      return b;
    };
    const title = h('div', { class: 'title' });
    const searchCount = h('span', { class: 'search-count muted' });
    const collapse = btn('Collapse', 'Collapse all groups', () => this.collapseAll());
    const expand = btn('Expand', 'Expand all groups', () => this.expandAll());
    const fitBtn = btn('Fit', 'Fit the graph (f): whole when readable, else its start at a readable zoom (scroll for the rest)', () => this.fitView());
    const toolbar = h('header', { class: 'toolbar' },
      title,
      h('div', { class: 'search-box' }, search, searchCount),
      metric, measure.el, shapes, aux, motifs,
      h('div', { class: 'spacer' }),
      collapse, expand, fitBtn);
    // One row at any width: what does not fit goes into a "⋯" menu, the rarely used first.
    this.overflow = new ToolbarOverflow(toolbar, [aux, motifs, shapes, collapse, expand, fitBtn, measure.el]);
    const graphPane = h('div', { class: 'graph-pane' });
    const legendHost = h('div', { class: 'legend-host' });
    const status = h('div', { class: 'status muted', attrs: { id: 'status' } });
    const overlay = h('div', { class: 'overlay', text: 'Waiting for the model…' });
    graphPane.append(legendHost, status, overlay);
    const tabDetails = h('button', { class: 'tab', text: 'Details', attrs: { id: 'tab-details' } });
    const tabSummary = h('button', { class: 'tab', text: 'Summary', attrs: { id: 'tab-summary' } });
    tabDetails.addEventListener('click', () => this.showPanel('details'));
    tabSummary.addEventListener('click', () => this.showPanel('summary'));
    const side = h('div', { class: 'side-body' });
    this.root.append(toolbar, h('div', { class: 'main' }, graphPane, h('aside', { class: 'side' }, h('div', { class: 'tabs' }, tabSummary, tabDetails), side)));
    return { title, search, searchCount, metric, shapes, aux, motifs, legend: legendHost, status, overlay, side, tabDetails, tabSummary, graphPane, timeOption, measure };
  }

  private post(m: WebviewToHost): void {
    this.vscode.postMessage(m);
  }

  private saveSoon(): void {
    if (this.saveTimer) return;
    this.saveTimer = window.setTimeout(() => {
      this.saveTimer = 0;
      this.state.selected = this.selected;
      this.vscode.setState(this.state);
    }, 150);
  }

  // ---- messages ----------------------------------------------------------------------------------

  private phases: Record<string, number> = {};
  private lap(name: string, since: number): number {
    const now = performance.now();
    this.phases[name] = Math.round(now - since);
    return now;
  }

  private onMessage(data: unknown): void {
    this.received = performance.now();
    this.phases = {};
    const p = parseHostMessage(data);
    this.lap('validate', this.received);
    if (!p.ok) {
      this.post({ type: 'log', level: 'error', message: `invalid message: ${p.error}` });
      return;
    }
    const m = p.msg;
    switch (m.type) {
      case 'analysis':
        this.load(m);
        break;
      case 'hints':
        this.hints = m.hints;
        this.redraw();
        break;
      case 'weightStats':
        this.stats.set(m.id, { stats: m.stats, error: m.error, pending: m.pending });
        if (this.selected === m.id) this.renderSide();
        break;
      case 'reveal':
        this.reveal(m.id);
        break;
      case 'busy':
        this.showOverlay(m.message);
        break;
      case 'error':
        this.showOverlay(m.message, true);
        break;
      case 'measured':
        this.setMeasured(m.measured, 'fresh');
        break;
      case 'measureState':
        this.els.measure.set(m);
        break;
    }
  }

  /**
   * Per-node times of a benchmark: mapped onto the current analysis (ids of no layer are dropped and
   * counted), the "measured time" option enabled, and the host told how many landed. A fresh result
   * switches the heat to it (the user just asked for it); with a new analysis ('load') the caller draws.
   */
  private setMeasured(t: MeasuredTimes | undefined, how: 'fresh' | 'load'): void {
    this.measured = t && this.analysis ? indexMeasured(this.analysis, t) : undefined;
    this.els.timeOption.disabled = !this.measured;
    this.els.timeOption.title = this.measured ? `Measured: ${msText(this.measured.times.medianMs)} median` : 'Run Measure first: times come from running the model';
    if (!this.measured) return;
    this.post({ type: 'measuredShown', mapped: this.measured.mapped, ignored: this.measured.ignored });
    if (how === 'load') return;
    if (this.state.metric !== 'time') {
      this.showMetric('time');
      this.setMetric('time');
    } else this.redraw();
  }

  private showOverlay(text: string | undefined, error = false): void {
    this.els.overlay.textContent = text ?? '';
    this.els.overlay.classList.toggle('hidden', !text);
    this.els.overlay.classList.toggle('error', error);
  }

  private load(m: AnalysisMsg): void {
    const first = this.analysis === undefined;
    this.analysis = m.analysis;
    this.motifs = m.motifs ?? findMotifs(m.analysis);
    this.hints = m.hints ?? [];
    this.details = m.details ?? {};
    this.title = m.title ?? (m.analysis.file.split(/[\\/]/).pop() ?? '');
    this.stats.clear();
    this.setMeasured(m.measured, 'load');
    if (m.state) this.state = { ...this.state, ...m.state };
    // Only a transform saved before this load is restored; the quick first paint also sets one.
    this.restoreTransform = this.state.transform;
    this.selected = this.state.selected;
    this.els.title.textContent = this.title;
    this.els.title.title = m.analysis.file;
    this.showMetric(this.state.metric ?? 'none');
    this.els.shapes.checked = !!this.state.showShapes;
    this.els.aux.checked = !!this.state.showConstants;
    this.els.search.value = this.state.search ?? '';
    let t = performance.now();
    this.model = buildGraphModel(m.analysis);
    t = this.lap('model', t);
    this.rebuild('restore', first);
    this.showPanel(this.state.panel ?? (this.selected ? 'details' : 'summary'));
  }

  private include = (n: GNode): boolean => !!this.state.showConstants || !n.aux;

  /** New hierarchy (model or aux filter changed) then layout. */
  private rebuild(view: 'restore' | 'fit' = 'fit', quickFirst = false): void {
    if (!this.model) return;
    const t = performance.now();
    this.hierarchy = buildHierarchy(this.model, this.motifs, this.include, { stackRepeats: !!this.analysis?.llm });
    const count = this.model.nodes.filter(this.include).length;
    this.open = autoExpanded(this.hierarchy, count);
    this.lap('hierarchy', t);
    for (const id of this.state.expanded ?? []) if (this.hierarchy.groups.has(id)) this.open.add(id);
    for (const id of this.state.collapsed ?? []) this.open.delete(id);
    if (this.selected) for (const g of ancestorsOf(this.hierarchy, this.selected)) this.open.add(g);
    void this.relayout(view === 'restore' ? 'restore' : true, quickFirst);
  }

  private persistOpen(): void {
    if (!this.hierarchy || !this.model) return;
    const auto = autoExpanded(this.hierarchy, this.model.nodes.filter(this.include).length);
    this.state.expanded = [...this.open].filter((g) => !auto.has(g));
    this.state.collapsed = [...auto].filter((g) => !this.open.has(g));
    this.saveSoon();
  }

  // ---- layout and drawing -----------------------------------------------------------------------

  private measureCtx: CanvasRenderingContext2D | null = null;
  private fontFamily: string | undefined;
  private textWidth(text: string, bold: boolean): number {
    if (!this.measureCtx) {
      this.measureCtx = document.createElement('canvas').getContext('2d');
    }
    const ctx = this.measureCtx;
    if (!ctx) return text.length * 7;
    this.fontFamily ??= getComputedStyle(document.body).fontFamily || 'sans-serif';
    const font = `${bold ? '600 ' : ''}12px ${this.fontFamily}`;
    if (ctx.font !== font) ctx.font = font;
    return ctx.measureText(text).width;
  }

  /** The heat drawn: the chosen one, except measured time before any measurement (then op families). */
  private metric(): HeatMetric {
    const m = this.state.metric ?? 'none';
    return m === 'time' && !this.measured ? 'none' : m;
  }

  private scene(vg: VisibleGraph): Scene {
    const a = this.analysis!;
    const metric = this.metric();
    const measured = this.measured;
    const hintCount = new Map<string, number>();
    for (const x of this.hints) {
      if (x.modelWide) continue; // shown once, in the summary
      const r = vg.rep.get(x.layerIds[0]);
      if (r) hintCount.set(r, (hintCount.get(r) ?? 0) + 1);
    }
    const values = new Map<string, number | undefined>();
    if (metric !== 'none') {
      for (const v of vg.nodes) {
        if (v.kind === 'node' && v.node?.layer) values.set(v.id, metricValue(v.node.layer, metric, measured));
        else if (v.kind === 'group') {
          let sum = 0;
          let any = false;
          for (const id of v.group!.members) {
            const l = this.model!.byId.get(id)?.layer;
            const x = l ? metricValue(l, metric, measured) : undefined;
            if (x !== undefined) {
              sum += x;
              any = true;
            }
          }
          values.set(v.id, any ? sum : undefined);
        }
      }
    }
    const scale = heatScale([...values.values()].filter((x): x is number => x !== undefined));
    this.heatRange = metric !== 'none' && scale.max > 0 ? { min: scale.min, max: scale.max } : undefined;
    const fit = (text: string, bold: boolean, max: number): string => {
      if (this.textWidth(text, bold) <= max) return text;
      let lo = 0;
      let hi = text.length;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.textWidth(`…${text.slice(text.length - mid)}`, bold) <= max) lo = mid;
        else hi = mid - 1;
      }
      return `…${text.slice(text.length - lo)}`;
    };
    // Motif counts per group, found by walking each anchor's group chain once.
    const motifsByGroup = new Map<string, Map<string, number>>();
    for (const m of this.motifs) {
      if (m.kind === 'repeated') continue;
      for (const gid of ancestorsOf(this.hierarchy!, m.anchor)) {
        let mk = motifsByGroup.get(gid);
        if (!mk) motifsByGroup.set(gid, (mk = new Map()));
        mk.set(m.label, (mk.get(m.label) ?? 0) + 1);
      }
    }
    const fitEnd = (text: string, max: number): string => {
      if (this.textWidth(text, false) <= max) return text;
      let lo = 0;
      let hi = text.length;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.textWidth(`${text.slice(0, mid)}…`, false) <= max) lo = mid;
        else hi = mid - 1;
      }
      return `${text.slice(0, lo)}…`;
    };
    const nodes: SceneNode[] = vg.nodes.map((v) => {
      const val = values.get(v.id);
      // Zero cost (a Relu's MACs, a Reshape's params) is no cost: neutral, not the cheapest real layer's colour.
      const heat = metric === 'none' ? undefined : val === undefined || !(val > 0) ? null : scale.t(val);
      const metricStr = metric !== 'none' && val !== undefined ? metricText(metric, val) : undefined;
      if (v.kind === 'group') {
        const g = v.group!;
        const title = g.label;
        const mk = motifsByGroup.get(g.id) ?? new Map<string, number>();
        const sub = [`${g.members.length} layers`, g.macs ? `${human(g.macs)} MACs` : g.params ? `${human(g.params)} params` : '', ...[...mk].map(([k, n]) => `${n} ${k}`)].filter(Boolean).join(' · ');
        const width = Math.min(320, Math.max(200, Math.max(this.textWidth(title, true) + 80, this.textWidth(sub, false) + 24)));
        return {
          id: v.id, kind: 'group', title: fit(title, true, width - 80), subtitle: fitEnd(sub, width - 20),
          metric: undefined, family: g.family, heat, width, height: 44, repeat: g.repeat, hints: hintCount.get(v.id) ?? 0,
          notCosted: false, tooltip: `${g.label}: ${sub}${metricStr ? ` · ${metricStr}` : ''}\nDouble-click to expand`,
        };
      }
      const n = v.node!;
      if (n.kind !== 'layer') {
        const sub = n.tensor ? shapeText(n.tensor.shape) : '';
        const width = Math.min(240, Math.max(100, Math.max(this.textWidth(n.name, true), this.textWidth(sub, false)) + 32));
        return {
          id: v.id, kind: n.kind, title: fit(n.name, true, width - 24), subtitle: sub, family: 'io' as OpFamily, heat: undefined,
          width, height: 38, hints: 0, notCosted: false, tooltip: `${n.kind} ${n.name} ${sub} ${n.tensor?.dtype ?? ''}`,
        };
      }
      const l = n.layer!;
      const shortName = displayName(l);
      const showName = shortName !== '';
      const titleW = this.textWidth(l.type, true) + (metricStr ? this.textWidth(metricStr, false) + 12 : 0);
      const width = Math.min(220, Math.max(96, Math.max(titleW, showName ? this.textWidth(shortName, false) : 0) + 26));
      const tooltip = `${l.type}: ${l.name}\nparams ${human(l.params)} · MACs ${human(l.macs)} · out ${l.outputs.map((t) => shapeText(t.shape)).join(' ')}${measured ? `\n${this.timeTooltip(measured, l.id)}` : ''}`;
      return {
        id: v.id, kind: 'layer', title: fit(l.type, true, width - 20 - (metricStr ? this.textWidth(metricStr, false) + 12 : 0)),
        subtitle: showName ? fit(shortName, false, width - 20) : '', metric: metricStr, family: n.family, heat,
        width, height: showName ? 40 : 28, hints: hintCount.get(v.id) ?? 0, notCosted: !l.costed, tooltip,
      };
    });
    const edges = vg.edges.map((e) => ({
      id: e.id, from: e.from, to: e.to,
      label: this.state.showShapes ? (e.tensors.length === 1 ? shapeText(e.tensors[0].shape) : `${shapeText(e.tensors[0].shape)} +${e.tensors.length - 1}`) : '',
    }));
    const motifs = this.els.motifs.checked ? this.sceneMotifs(vg) : [];
    void a;
    return { nodes, edges, motifs, frames: this.sceneFrames(vg) };
  }

  /** Expanded groups whose members are drawn: each gets a frame with its name and a collapse control. */
  private sceneFrames(vg: VisibleGraph): NonNullable<Scene['frames']> {
    const h = this.hierarchy;
    if (!h) return [];
    const out: NonNullable<Scene['frames']> = [];
    for (const id of this.open) {
      const g = h.groups.get(id);
      if (!g) continue;
      let depth = 0;
      let visible = true;
      for (let p = g.parent; p !== null; p = h.groups.get(p)?.parent ?? null) {
        depth++;
        if (!this.open.has(p)) visible = false;
      }
      if (!visible) continue;
      const nodes = new Set<string>();
      for (const m of g.members) {
        const r = vg.rep.get(m);
        if (r && r !== id) nodes.add(r);
      }
      if (nodes.size) out.push({ id, label: g.label, nodes: [...nodes], depth });
    }
    return out.sort((x, y) => x.depth - y.depth);
  }

  private heatRange: { min: number; max: number } | undefined;

  private timeTooltip(ix: MeasuredIndex, id: string): string {
    const t = layerTime(ix, id);
    const name = (x: string) => this.model?.byId.get(x)?.layer?.name ?? x;
    switch (t.kind) {
      case 'measured': return `measured ${msText(t.ms)}${t.fused.length ? ` (incl. ${t.fused.length} fused)` : ''}`;
      case 'fused': return `measured: fused into ${name(t.into)}`;
      case 'inside': return `measured: part of ${t.scope} (${msText(t.ms)})`;
      case 'noKernel': return 'measured: no kernel (folded by the runtime)';
      default: return 'measured: no data';
    }
  }

  private sceneMotifs(vg: VisibleGraph): Scene['motifs'] {
    const out: Scene['motifs'] = [];
    for (const m of this.motifs) {
      if (m.kind === 'repeated') continue;
      const reps = new Set<string>();
      for (const id of [...m.layers, m.anchor]) {
        const r = vg.rep.get(id);
        if (r) reps.add(r);
      }
      // A motif inside one closed group is summarised on the group instead.
      const anchor = vg.rep.get(m.anchor);
      if (!anchor || this.hierarchy?.groups.has(anchor)) continue;
      const box = m.kind !== 'depthwise-separable' && reps.size >= 2 && ![...reps].some((r) => this.hierarchy?.groups.has(r));
      out.push({ id: m.id, kind: m.kind, label: m.label, nodes: [...reps], anchor, box });
    }
    return out;
  }

  private lastLayout: { vg: VisibleGraph; layout: LayoutResult } | undefined;

  /** view: true = fit afterwards, 'restore' = saved transform or a sensible start, false = keep. */
  private async relayout(view: boolean | 'restore', quickFirst = false): Promise<void> {
    if (!this.model || !this.hierarchy) return;
    const seq = ++this.layoutSeq;
    const t0 = this.received || performance.now();
    this.received = 0;
    let tt = performance.now();
    const vg = visibleGraph(this.model, this.hierarchy, this.open, this.include);
    const scene = this.scene(vg);
    tt = this.lap('scene', tt);
    const input = {
      nodes: scene.nodes.map((n) => ({ id: n.id, width: n.width + (n.repeat ? 6 : 0), height: n.height + (n.repeat ? 6 : 0) })),
      edges: scene.edges.map((e) => ({ id: e.id, from: e.from, to: e.to })),
    };
    const elk = layoutGraph(input);
    if (quickFirst) {
      // First paint at once with the linear-time layout; ELK's layout replaces it when the worker
      // answers (a few hundred ms on 2 cores). Later relayouts (expand, heat) wait for ELK instead,
      // so what the user is looking at does not jump twice.
      const quick = simpleLayout(input);
      if (quick.nodes.size === input.nodes.length) this.paint(vg, scene, quick, 'restore', seq, t0, false);
    }
    const layout = await elk;
    if (seq !== this.layoutSeq) return;
    tt = this.lap('layout', tt);
    const moved = this.userMoved;
    this.paint(vg, scene, layout, view === 'restore' ? (moved ? false : 'restore') : view, seq, t0, true);
  }

  /** Set when the user pans or zooms, so a late layout does not throw their view away. */
  private userMoved = false;

  private paint(vg: VisibleGraph, scene: Scene, layout: LayoutResult, view: boolean | 'restore', seq: number, t0: number, final: boolean): void {
    let tt = performance.now();
    this.visible = vg;
    this.lastLayout = { vg, layout };
    this.renderer.draw(scene, layout);
    tt = this.lap(final ? 'draw' : 'quickDraw', tt);
    this.afterDraw(final);
    this.lap(final ? 'panels' : 'quickPanels', tt);
    if (view === true) this.fitView();
    else if (view === 'restore') this.initialView(layout);
    this.renderer.viewport.applyNow();
    if (!final) this.userMoved = false;
    this.showOverlay(undefined);
    this.root.removeAttribute('aria-busy');
    const layers = vg.nodes.filter((n) => n.kind === 'node' && n.node?.kind === 'layer').length;
    const groups = vg.nodes.filter((n) => n.kind === 'group').length;
    const total = this.analysis!.layers.length;
    this.els.status.textContent = `${layers} of ${total} layers shown${groups ? `, ${groups} collapsed groups` : ''} · layout ${layout.engine} ${Math.round(layout.ms)} ms`;
    const info: PaintInfo = {
      seq: ++this.paintSeq, nodes: vg.nodes.length, edges: vg.edges.length, layers, engine: layout.engine,
      layoutMs: layout.ms, totalMs: 0, phases: { ...this.phases }, final,
    };
    requestAnimationFrame(() => requestAnimationFrame(() => {
      if (seq !== this.layoutSeq) return;
      info.totalMs = performance.now() - t0;
      this.root.dataset.paint = String(info.seq);
      (window as unknown as { __modellensPaint?: PaintInfo }).__modellensPaint = info;
      window.dispatchEvent(new CustomEvent('modellens-paint', { detail: info }));
    }));
  }

  private restoreTransform: ViewState['transform'];

  private initialView(layout: LayoutResult): void {
    const t = this.restoreTransform;
    if (t) return this.renderer.viewport.set(t);
    this.fitReadable(layout);
  }

  /** Fit (button, f, Expand all): the whole graph when that stays readable, else its start, readable. */
  private fitView(): void {
    if (this.renderer.layout) this.fitReadable(this.renderer.layout);
  }

  private fitReadable(layout: LayoutResult): void {
    const { w, h: hh } = this.renderer.viewport.size();
    const k = Math.min((w - 48) / Math.max(1, layout.width), (hh - 48) / Math.max(1, layout.height));
    if (k >= 0.45) return this.renderer.fit();
    // A tall graph fitted whole is unreadable: start at the top, readable, centred on the widest layer.
    const kk = Math.min(1, Math.max(0.6, (w - 48) / Math.max(1, layout.width)));
    // Centre on where the graph starts (its topmost node), which may not be the middle of a wide layout.
    let top: { x: number; y: number; width: number } | undefined;
    for (const b of layout.nodes.values()) if (!top || b.y < top.y) top = b;
    const cx = top ? top.x + top.width / 2 : layout.width / 2;
    const x = Math.min(24, Math.max(w - 24 - layout.width * kk, w / 2 - cx * kk));
    this.renderer.viewport.set({ k: kk, x: layout.width * kk <= w - 48 ? (w - layout.width * kk) / 2 : x, y: 20 - (top?.y ?? 0) * kk + 20 });
  }

  /** Redraw without moving anything (heat, hints, motif toggle) — same layout when sizes allow. */
  private redraw(): void {
    void this.relayout(false);
  }

  private afterDraw(withSide = true): void {
    this.renderer.setSelected(this.selected ? this.visible?.rep.get(this.selected) ?? this.selected : undefined);
    this.renderer.setFocus(this.focus);
    this.applySearchHighlight();
    this.renderLegend();
    // The quick first paint leaves the side panel (custom elements, tables) to the ELK paint.
    if (withSide) this.renderSide();
  }

  private renderLegend(): void {
    clear(this.els.legend);
    const fams = new Set<OpFamily>();
    for (const v of this.visible?.nodes ?? []) fams.add(v.kind === 'group' ? v.group!.family : v.node!.family);
    this.els.legend.appendChild(legend(this.state.metric ?? 'none', this.heatRange, [...fams], this.measured));
  }

  // ---- interaction ----------------------------------------------------------------------------------

  /**
   * Shows a metric in the selector. The options' own `selected` flags are set too: the select re-reads
   * them whenever an option changes (enabling "measured time"), which would otherwise undo the value.
   */
  private showMetric(m: HeatMetric): void {
    for (const o of this.els.metric.querySelectorAll('vscode-option')) (o as HTMLElement & { selected: boolean }).selected = o.getAttribute('value') === m;
    this.els.metric.value = m;
  }

  private setMetric(m: HeatMetric): void {
    this.state.metric = m;
    this.saveSoon();
    this.redraw();
  }

  private showPanel(p: 'details' | 'summary'): void {
    this.state.panel = p;
    this.els.tabDetails.classList.toggle('active', p === 'details');
    this.els.tabSummary.classList.toggle('active', p === 'summary');
    this.saveSoon();
    this.renderSide();
  }

  private renderSide(): void {
    const side = this.els.side;
    clear(side);
    const a = this.analysis;
    if (!a || !this.model) return;
    const acts = {
      reveal: (x: string) => this.reveal(x),
      openSource: (x: string) => this.post({ type: 'openSource', id: x }),
      previewHint: (x: string) => this.post({ type: 'previewHint', hintId: x }),
      applyHint: (x: string) => this.post({ type: 'applyHint', hintId: x }),
      toggleGroup: (x: string) => this.toggleGroup(x),
    };
    if (this.state.panel !== 'details') {
      // A model-wide hint (INT8, clustering) is about the model: one card here, not one per layer.
      const modelHints = this.hints.filter((x) => x.modelWide).map((x) => hintCard(x, a, acts, x.id === this.focusedHint));
      // Repeated blocks as the graph draws them (collapse.ts), so the summary and the badges agree.
      const reps = [...(this.hierarchy?.groups.values() ?? [])].filter((g) => g.repeat && !g.repeat.stack && g.repeat.count > 1);
      const repeated = { blocks: reps.length, sets: reps.filter((g) => g.repeat!.index === 0).length };
      const llm = llmSection(a, this.llmControls);
      if (llm) side.appendChild(llm);
      side.appendChild(summaryPanel(a, this.motifs, {
        reveal: (id) => this.reveal(id),
        export: (f) => void this.export(f),
        showMotif: (k) => this.showMotif(k),
      }, modelHints, repeated));
      return;
    }
    const id = this.selected;
    if (id === undefined) {
      side.appendChild(h('div', { class: 'empty muted', text: 'Select a node to see its details. Arrow keys move, Enter selects, / searches, f fits.' }));
      return;
    }
    const g = this.hierarchy?.groups.get(id);
    if (g) {
      const layers = g.members.map((x) => this.model!.byId.get(x)?.layer).filter((l): l is LayerAnalysis => !!l);
      const members = new Set(g.members);
      const motifs = this.motifs.filter((m) => m.kind !== 'repeated' && members.has(m.anchor));
      const ix = this.measured;
      const timed = ix ? layers.filter((l) => ix.ms.has(l.id)) : [];
      side.appendChild(groupDetails(a, g, layers, motifs, this.open.has(id), acts, ix && timed.length ? timed.reduce((n, l) => n + ix.ms.get(l.id)!, 0) : undefined));
      const wt = a.llm ? weightTensorsSection(layers) : null;
      if (wt) side.appendChild(wt);
      return;
    }
    const n = this.model.byId.get(id);
    if (!n?.layer) {
      side.appendChild(h('div', { class: 'details' }, h('div', { class: 'layer-name', text: n ? `${n.kind}: ${n.name}` : id }),
        n?.tensor ? h('div', { class: 'mono', text: `${shapeText(n.tensor.shape)} ${n.tensor.dtype}` }) : null));
      return;
    }
    const l = n.layer;
    const byLayer = new Map(a.layers.map((x) => [x.id, x]));
    side.appendChild(layerDetails(a, l, {
      // Own keys only: ids come from the file ("__proto__" must not read the prototype).
      details: Object.hasOwn(this.details, l.id) ? this.details[l.id] : undefined,
      motifs: this.motifs.filter((m) => m.anchor === l.id || m.layers.includes(l.id)),
      hints: this.hints.filter((x) => !x.modelWide && x.layerIds.includes(l.id)),
      stats: this.stats.get(l.id),
      producer: (t) => byLayer.get(a.details.producers[t] ?? ''),
      consumers: (t) => this.model!.edges.filter((e) => e.tensor.name === t && e.from === l.id).map((e) => byLayer.get(e.to)).filter((x): x is LayerAnalysis => !!x),
      focusedHint: this.focusedHint,
      time: this.measured ? { time: layerTime(this.measured, l.id), totalMs: this.measured.times.kernelTotalMs || this.measured.mappedMs, nameOf: (x) => byLayer.get(x)?.name ?? x } : undefined,
    }, acts));
    const wt = a.llm ? weightTensorsSection([l]) : null;
    if (wt) side.appendChild(wt);
  }

  select(id: string | undefined): void {
    this.selected = id;
    this.focus = id;
    this.renderer.setSelected(id ? this.visible?.rep.get(id) ?? id : undefined);
    this.renderer.setFocus(id);
    const layer = id ? this.model?.byId.get(id)?.layer : undefined;
    // The host only knows layer ids: groups and graph inputs/outputs select nothing there.
    this.post({ type: 'select', id: layer ? layer.id : null });
    if (layer && layer.params > 0 && !this.stats.has(layer.id)) {
      this.stats.set(layer.id, { pending: true });
      this.post({ type: 'requestWeightStats', id: layer.id });
    }
    if (id === undefined) this.focusedHint = undefined;
    this.saveSoon();
    if (id !== undefined) this.showPanel('details');
    else this.renderSide();
  }

  /** Select a node and bring it into view, opening groups and showing shape math as needed. */
  reveal(id: string): void {
    if (!this.model || !this.hierarchy) return;
    const n = this.model.byId.get(id) ?? undefined;
    if (!n && !this.hierarchy.groups.has(id)) return;
    let needLayout = false;
    if (n?.aux && !this.state.showConstants) {
      this.state.showConstants = true;
      this.els.aux.checked = true;
      this.hierarchy = buildHierarchy(this.model, this.motifs, this.include, { stackRepeats: !!this.analysis?.llm });
      needLayout = true;
    }
    for (const g of ancestorsOf(this.hierarchy, id)) {
      if (!this.open.has(g)) {
        this.open.add(g);
        needLayout = true;
      }
    }
    const center = (): void => {
      this.select(id);
      const box = this.renderer.nodeBox(this.visible?.rep.get(id) ?? id);
      if (box) this.renderer.viewport.centerOn(box.x + box.width / 2, box.y + box.height / 2);
    };
    if (needLayout) {
      this.persistOpen();
      void this.relayout(false).then(center);
    } else center();
  }

  toggleGroup(id: string): void {
    if (!this.hierarchy?.groups.has(id)) return;
    if (this.open.has(id)) {
      // Closing a group closes what is inside it too, so reopening starts tidy.
      const g = this.hierarchy.groups.get(id)!;
      this.open.delete(id);
      const stack = [...g.children];
      while (stack.length) {
        const c = stack.pop()!;
        this.open.delete(c);
        stack.push(...this.hierarchy.groups.get(c)!.children);
      }
      if (this.selected && g.members.includes(this.selected)) this.selected = id;
    } else this.open.add(id);
    this.persistOpen();
    const keep = this.renderer.nodeBox(id);
    void this.relayout(false).then(() => {
      // Keep the toggled item where the user was looking.
      const box = this.renderer.nodeBox(id) ?? (this.selected ? this.renderer.nodeBox(this.selected) : undefined);
      if (box && keep) {
        const t = this.renderer.viewport.t;
        this.renderer.viewport.set({ k: t.k, x: t.x + (keep.x - box.x) * t.k, y: t.y + (keep.y - box.y) * t.k });
      }
    });
  }

  private collapseAll(): void {
    this.open.clear();
    this.persistOpen();
    void this.relayout(true);
  }

  private expandAll(): void {
    if (!this.hierarchy) return;
    for (const id of this.hierarchy.groups.keys()) this.open.add(id);
    this.persistOpen();
    void this.relayout(true);
  }

  private showMotif(kind: MotifKind): void {
    const ms = this.motifs.filter((m) => m.kind === kind);
    if (!ms.length) return;
    const i = (ms.findIndex((m) => m.anchor === this.selected) + 1) % ms.length;
    this.reveal(ms[i].anchor);
  }

  // ---- search ---------------------------------------------------------------------------------------

  private runSearch(q: string, step: boolean, dir = 1): void {
    this.state.search = q;
    this.saveSoon();
    const query = q.trim().toLowerCase();
    // A new query starts again from its first match.
    if (query !== this.lastQuery) this.matchIndex = -1;
    this.lastQuery = query;
    if (!query || !this.analysis) {
      this.matches = [];
      this.matchIndex = -1;
      this.els.searchCount.textContent = '';
      this.applySearchHighlight();
      return;
    }
    this.matches = this.analysis.layers.filter((l) => l.name.toLowerCase().includes(query) || l.type.toLowerCase().includes(query)).map((l) => l.id);
    if (step && this.matches.length) {
      this.matchIndex = (this.matchIndex + dir + this.matches.length) % this.matches.length;
      this.reveal(this.matches[this.matchIndex]);
    }
    this.els.searchCount.textContent = this.matches.length ? `${this.matchIndex >= 0 ? this.matchIndex + 1 : '–'}/${this.matches.length}` : 'no match';
    this.applySearchHighlight();
  }

  /** Esc in the search box: the text, the highlight and the position in the matches all go. */
  private clearSearch(): void {
    const box = this.els.search;
    box.value = '';
    // The component keeps its own inner <input>; make sure it shows the empty value too.
    const inner = (box as unknown as { shadowRoot?: ShadowRoot | null }).shadowRoot?.querySelector('input');
    if (inner) inner.value = '';
    this.runSearch('', false);
  }

  private applySearchHighlight(): void {
    if (!this.matches.length) {
      this.renderer.setMatches(this.state.search?.trim() ? new Set() : null);
      this.renderer.setCurrentMatch(undefined);
      return;
    }
    const reps = new Set<string>();
    for (const id of this.matches) {
      const r = this.visible?.rep.get(id);
      if (r) reps.add(r);
    }
    this.renderer.setMatches(reps);
    // The match Enter moved to, drawn apart from the others (VS Code's find: current vs other matches).
    const cur = this.matchIndex >= 0 ? this.matches[this.matchIndex] : undefined;
    this.renderer.setCurrentMatch(cur !== undefined ? this.visible?.rep.get(cur) : undefined);
  }

  // ---- keyboard -------------------------------------------------------------------------------------

  private onKey(e: KeyboardEvent): void {
    const t = e.target as HTMLElement | null;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'VSCODE-TEXTFIELD' || t.isContentEditable)) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const vp = this.renderer.viewport;
    switch (e.key) {
      case '/':
        e.preventDefault();
        this.els.search.focus();
        return;
      case 'f':
        this.fitView();
        return;
      case '+':
      case '=':
        vp.zoomAt(1.25);
        return;
      case '-':
        vp.zoomAt(0.8);
        return;
      case 'Escape':
        this.select(undefined);
        return;
      case 'Enter':
        if (this.focus) {
          if (this.focus === this.selected && this.hierarchy?.groups.has(this.focus)) this.toggleGroup(this.focus);
          else this.select(this.focus);
        }
        e.preventDefault();
        return;
      case 'e':
        if (this.focus && this.hierarchy?.groups.has(this.focus)) this.toggleGroup(this.focus);
        return;
      case 'ArrowUp':
      case 'ArrowDown':
      case 'ArrowLeft':
      case 'ArrowRight':
        e.preventDefault();
        this.moveFocus(e.key);
        return;
    }
  }

  private moveFocus(key: string): void {
    const vg = this.visible;
    if (!vg || !this.lastLayout) return;
    const boxes = this.lastLayout.layout.nodes;
    const cur = this.focus ? vg.rep.get(this.focus) ?? this.focus : undefined;
    const curBox = cur ? boxes.get(cur) : undefined;
    let next: string | undefined;
    if (!curBox) {
      next = vg.nodes[0]?.id;
    } else {
      const cx = curBox.x + curBox.width / 2;
      const cy = curBox.y + curBox.height / 2;
      const linked = key === 'ArrowDown' ? vg.edges.filter((e) => e.from === cur).map((e) => e.to)
        : key === 'ArrowUp' ? vg.edges.filter((e) => e.to === cur).map((e) => e.from) : [];
      const pool = linked.length ? linked : vg.nodes.map((n) => n.id).filter((id) => id !== cur);
      let best = Infinity;
      for (const id of pool) {
        const b = boxes.get(id);
        if (!b) continue;
        const dx = b.x + b.width / 2 - cx;
        const dy = b.y + b.height / 2 - cy;
        const ok = key === 'ArrowDown' ? dy > 1 : key === 'ArrowUp' ? dy < -1 : key === 'ArrowLeft' ? dx < -1 : dx > 1;
        if (!ok) continue;
        const score = key === 'ArrowLeft' || key === 'ArrowRight' ? Math.abs(dx) + 3 * Math.abs(dy) : Math.abs(dy) + 3 * Math.abs(dx);
        if (score < best) [best, next] = [score, id];
      }
    }
    if (!next) return;
    this.focus = next;
    this.renderer.setFocus(next);
    const b = boxes.get(next);
    if (b) {
      const { w, h: hh } = this.renderer.viewport.size();
      const t = this.renderer.viewport.t;
      const sx = b.x * t.k + t.x;
      const sy = b.y * t.k + t.y;
      if (sx < 0 || sy < 0 || sx + b.width * t.k > w || sy + b.height * t.k > hh) this.renderer.viewport.centerOn(b.x + b.width / 2, b.y + b.height / 2, t.k);
    }
  }

  // ---- export ---------------------------------------------------------------------------------------

  private async export(format: ExportFormat): Promise<void> {
    const a = this.analysis;
    if (!a) return;
    const base = (a.file.split(/[\\/]/).pop() ?? 'model').replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_') || 'model';
    if (format === 'md' || format === 'csv' || format === 'json') {
      const data = format === 'md' ? reportMarkdown(a, this.motifs) : format === 'csv' ? reportCsv(a) : reportJson(a, this.motifs);
      this.post({ type: 'export', format, data, encoding: 'utf8', suggestedName: `${base}.report.${format}` });
      return;
    }
    const out = await exportGraph(this.renderer, format);
    if (out) this.post({ type: 'export', format, data: out.data, encoding: out.encoding, suggestedName: `${base}.graph.${format}` });
  }
}
