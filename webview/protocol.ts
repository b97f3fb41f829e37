/**
 * The one message protocol between the extension host and the graph webview, typed both ways and
 * validated on receipt by both sides. Pure TypeScript (no vscode, no DOM) so either side imports it.
 */
import type { Analysis, Count } from '../src/core/analysis/types';
import type { Motif } from '../src/core/motifs/types';
import type { TensorStats } from '../src/core/tensor/statsTypes';
import { MOTIF_KINDS } from '../src/core/motifs/types';
import { compareView, measuredTimes, measureState, type CompareView, type MeasuredTimes, type MeasureState } from './measureProtocol';
import { arr, bool, count, guard, Invalid, nonNegative, num, obj, oneOf, optional, record, str, type Parsed } from './validate';
import { validateLlmAnalysis } from './llm/protocol';

export type * from './measureProtocol';

export const PROTOCOL_VERSION = 1;

/** 'time': per-node times of the last benchmark (only selectable once the host sent some). */
export type HeatMetric = 'none' | 'params' | 'macs' | 'flops' | 'activation' | 'weightBytes' | 'time';
export const HEAT_METRICS: readonly HeatMetric[] = ['none', 'params', 'macs', 'flops', 'activation', 'weightBytes', 'time'];

export type ExportFormat = 'md' | 'csv' | 'json' | 'svg' | 'png';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['md', 'csv', 'json', 'svg', 'png'];

export type HintKind = 'exact' | 'approximate' | 'needs-fine-tuning';

/** An optimization suggestion as the webview shows it (a badge on its layers). */
export interface HintView {
  id: string;
  /** The layers it touches; the badge sits on the first. */
  layerIds: string[];
  /** Pass name, e.g. "depthwise-separable", "low-rank", "bn-fold". */
  pass: string;
  title: string;
  kind: HintKind;
  deltaParams: number;
  deltaMacs: Count;
  deltaWeightBytes: number;
  /** Relative reconstruction/output error where measured. */
  error?: number;
  detail?: string;
  /** A pass over the whole model (INT8, clustering): shown once in the summary, not on each layer. */
  modelWide?: boolean;
}

/** One weight tensor's statistics (src/core/tensor/stats.ts); non-finite weights are reported as an error instead. */
export type WeightStats = Omit<TensorStats, 'nonFinite'>;

/** What the webview persists through getState/setState; the host may hand one back (e.g. after a reload). */
export interface ViewState {
  selected?: string;
  /** Group ids the user expanded / collapsed relative to the automatic collapse. */
  expanded?: string[];
  collapsed?: string[];
  metric?: HeatMetric;
  showShapes?: boolean;
  showConstants?: boolean;
  transform?: { x: number; y: number; k: number };
  panel?: 'details' | 'summary';
  search?: string;
}

/** Totals of one side of a preview (before or after the rewrite). */
export interface PreviewTotals {
  params: number;
  macs: Count;
  flops: Count;
  weightBytes: number;
}

export type DiffStatus = 'removed' | 'added' | 'changed' | 'context';
export const DIFF_STATUSES: readonly DiffStatus[] = ['removed', 'added', 'changed', 'context'];

/** A node of the preview's diff graph (the rewritten region and its neighbours). */
export interface DiffNode {
  id: string;
  name: string;
  type: string;
  status: DiffStatus;
  params: number;
  macs: Count;
  /** Params / MACs before the rewrite (changed nodes). */
  paramsBefore?: number;
  macsBefore?: Count;
  /** Ids of the diff nodes feeding this one. */
  from: string[];
}

export interface KnobView {
  name: string;
  label: string;
  min: number;
  max: number;
  step: number;
  value: number;
}

export interface PreviewView {
  hintId: string;
  pass: string;
  title: string;
  kind: HintKind;
  knobs: KnobView[];
  before: PreviewTotals;
  after: PreviewTotals;
  nodes: DiffNode[];
  /** Diff nodes left out (very large rewrites). */
  omitted: number;
  /** Worst measured relative weight error, when measured. */
  error?: number;
  /** Apply is refused (Restricted Mode, unsupported format): why. */
  applyDisabled?: string;
  /** Measure (run both models) is refused: why. */
  measureDisabled?: string;
}

/** A tensor as the details panel shows it (an initializer, or a tensor-valued attribute). */
export interface TensorView {
  name: string;
  dtype: string;
  shape: number[];
  /** Storage bytes (null: no fixed size, e.g. strings). */
  bytes: number | null;
  /** Where the values are: "in the model file at byte 1234", "external file w.bin at byte 0", "inline". */
  storage: string;
  /** The first values, as text (e.g. "[1, 2, 3, …]"), and how many there are of all. */
  values?: string;
  valuesShown?: number;
  /** Why no values are shown (absent weights, an unreadable file, a type without a decoder). */
  valuesNote?: string;
}

/** A subgraph held by an attribute (If / Loop / Scan bodies). */
export interface SubgraphView {
  name: string;
  inputs: string[];
  outputs: string[];
  /** Its nodes, in order: op type and name. */
  nodes: { type: string; name: string }[];
}

export interface AttributeView {
  name: string;
  /** The ONNX attribute kind (int, floats, tensor, graph…) or "config" for a Keras config entry. */
  kind: string;
  /** The whole value as text (lists and JSON are never cut). */
  text: string;
  tensor?: TensorView;
  graphs?: SubgraphView[];
}

export interface NodeDetailsView {
  attributes: AttributeView[];
  /** The layer's weights / initializer inputs, in input order. */
  initializers: TensorView[];
}

export type HostToWebview =
  | {
      type: 'analysis';
      analysis: Analysis;
      /** From findMotifs(analysis) in src/core/motifs; computed by the webview when absent. */
      motifs?: Motif[];
      hints?: HintView[];
      state?: ViewState;
      /** Layer id -> its attributes and weights as the file holds them (src/extension/nodeDetails.ts). */
      details?: Record<string, NodeDetailsView>;
      /** Shown in the header (file name). */
      title?: string;
      /** Per-node times of a benchmark of exactly this model, when one ran (sent again after a reload). */
      measured?: MeasuredTimes;
    }
  | { type: 'hints'; hints: HintView[] }
  | { type: 'weightStats'; id: string; stats?: WeightStats[]; error?: string; pending?: boolean }
  | { type: 'reveal'; id: string }
  | { type: 'busy'; message: string }
  | { type: 'error'; message: string }
  | { type: 'preview'; preview: PreviewView }
  /** A benchmark of this model finished: per-node times for the "measured time" heat. */
  | { type: 'measured'; measured: MeasuredTimes }
  /** Whether the toolbar's Measure button can run the model (trust, format, a run in progress). */
  | ({ type: 'measureState' } & MeasureState)
  /** Preview: the measured comparison, its progress (`running`) or why it failed. */
  | { type: 'compare'; compare?: CompareView; running?: string; error?: string };

export type WebviewToHost =
  | { type: 'ready'; version: number }
  | { type: 'select'; id: string | null }
  | { type: 'openSource'; id: string }
  | { type: 'requestWeightStats'; id: string }
  | { type: 'previewHint'; hintId: string }
  | { type: 'applyHint'; hintId: string }
  | {
      type: 'export';
      format: ExportFormat;
      /** Text for md/csv/json/svg; base64 of the PNG bytes for png. */
      data: string;
      encoding: 'utf8' | 'base64';
      suggestedName: string;
    }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** Preview panel: knobs changed (numbers are recomputed), Apply, Cancel. */
  | { type: 'previewKnobs'; knobs: Record<string, number> }
  | { type: 'previewApply'; knobs: Record<string, number> }
  | { type: 'previewCancel' }
  /** Preview: run original and compressed (at these knobs) and compare them. */
  | { type: 'previewMeasure'; knobs: Record<string, number> }
  /** Graph toolbar: benchmark this model (the host checks trust again). */
  | { type: 'measure' }
  /** The graph view drew measured times: how many matched a layer, how many ids matched none. */
  | { type: 'measuredShown'; mapped: number; ignored: number };

export type { Parsed };

// ---- validation -------------------------------------------------------------------------------

function tensor(x: unknown, at: string): void {
  const o = obj(x, at);
  str(o.name, `${at}.name`);
  str(o.dtype, `${at}.dtype`);
  if (o.shape !== null) {
    arr(o.shape, `${at}.shape`).forEach((d, i) => {
      if (typeof d !== 'number' && typeof d !== 'string') throw new Invalid(`${at}.shape[${i}]: expected a dim`);
    });
  }
  optional(o, 'bytes', at, nonNegative);
  optional(o, 'stored', at, str);
}

function analysis(x: unknown, at: string): Analysis {
  const o = obj(x, at);
  oneOf(o.format, ['onnx', 'keras', 'safetensors', 'hf-config', 'gguf'] as const, `${at}.format`);
  str(o.file, `${at}.file`);
  arr(o.inputs, `${at}.inputs`).forEach((t, i) => tensor(t, `${at}.inputs[${i}]`));
  arr(o.outputs, `${at}.outputs`).forEach((t, i) => tensor(t, `${at}.outputs[${i}]`));
  const totals = obj(o.totals, `${at}.totals`);
  num(totals.params, `${at}.totals.params`);
  count(totals.macs, `${at}.totals.macs`);
  count(totals.flops, `${at}.totals.flops`);
  num(totals.weightBytes, `${at}.totals.weightBytes`);
  count(totals.peakActivationBytes, `${at}.totals.peakActivationBytes`);
  const ids = new Set<string>();
  arr(o.layers, `${at}.layers`).forEach((l, i) => {
    const p = `${at}.layers[${i}]`;
    const lo = obj(l, p);
    const id = str(lo.id, `${p}.id`);
    if (ids.has(id)) throw new Invalid(`${p}.id: duplicate layer id ${JSON.stringify(id)}`);
    ids.add(id);
    str(lo.name, `${p}.name`);
    str(lo.type, `${p}.type`);
    num(lo.params, `${p}.params`);
    count(lo.macs, `${p}.macs`);
    count(lo.flops, `${p}.flops`);
    num(lo.weightBytes, `${p}.weightBytes`);
    bool(lo.costed, `${p}.costed`);
    arr(lo.inputs, `${p}.inputs`).forEach((t, j) => tensor(t, `${p}.inputs[${j}]`));
    arr(lo.outputs, `${p}.outputs`).forEach((t, j) => tensor(t, `${p}.outputs[${j}]`));
    if (lo.scope !== undefined) arr(lo.scope, `${p}.scope`).forEach((s, j) => str(s, `${p}.scope[${j}]`));
    if (lo.source !== undefined) {
      const so = obj(lo.source, `${p}.source`);
      num(so.offset, `${p}.source.offset`);
      num(so.length, `${p}.source.length`);
    }
  });
  arr(o.notCosted, `${at}.notCosted`).forEach((n, i) => {
    const no = obj(n, `${at}.notCosted[${i}]`);
    str(no.name, `${at}.notCosted[${i}].name`);
    str(no.type, `${at}.notCosted[${i}].type`);
    str(no.reason, `${at}.notCosted[${i}].reason`);
  });
  const d = obj(o.details, `${at}.details`);
  record(d.producers, `${at}.details.producers`, str);
  record(d.byType, `${at}.details.byType`, (v, p) => {
    const bo = obj(v, p);
    num(bo.count, `${p}.count`);
    num(bo.params, `${p}.params`);
    count(bo.macs, `${p}.macs`);
    count(bo.flops, `${p}.flops`);
  });
  arr(d.warnings, `${at}.details.warnings`).forEach((w, i) => str(w, `${at}.details.warnings[${i}]`));
  if (o.llm !== undefined) validateLlmAnalysis(o.llm, `${at}.llm`);
  return o as unknown as Analysis;
}

function tensorView(x: unknown, at: string): void {
  const o = obj(x, at);
  str(o.name, `${at}.name`);
  str(o.dtype, `${at}.dtype`);
  arr(o.shape, `${at}.shape`).forEach((d, i) => num(d, `${at}.shape[${i}]`));
  if (o.bytes !== null) num(o.bytes, `${at}.bytes`);
  str(o.storage, `${at}.storage`);
  optional(o, 'values', at, str);
  optional(o, 'valuesShown', at, num);
  optional(o, 'valuesNote', at, str);
}

function nodeDetails(x: unknown, at: string): void {
  const o = obj(x, at);
  arr(o.attributes, `${at}.attributes`).forEach((a, i) => {
    const p = `${at}.attributes[${i}]`;
    const ao = obj(a, p);
    str(ao.name, `${p}.name`);
    str(ao.kind, `${p}.kind`);
    str(ao.text, `${p}.text`);
    if (ao.tensor !== undefined) tensorView(ao.tensor, `${p}.tensor`);
    if (ao.graphs !== undefined) {
      arr(ao.graphs, `${p}.graphs`).forEach((g, j) => {
        const q = `${p}.graphs[${j}]`;
        const go = obj(g, q);
        str(go.name, `${q}.name`);
        arr(go.inputs, `${q}.inputs`).forEach((v, k) => str(v, `${q}.inputs[${k}]`));
        arr(go.outputs, `${q}.outputs`).forEach((v, k) => str(v, `${q}.outputs[${k}]`));
        arr(go.nodes, `${q}.nodes`).forEach((n, k) => {
          const no = obj(n, `${q}.nodes[${k}]`);
          str(no.type, `${q}.nodes[${k}].type`);
          str(no.name, `${q}.nodes[${k}].name`);
        });
      });
    }
  });
  arr(o.initializers, `${at}.initializers`).forEach((t, i) => tensorView(t, `${at}.initializers[${i}]`));
}

function motif(x: unknown, at: string): void {
  const o = obj(x, at);
  str(o.id, `${at}.id`);
  oneOf(o.kind, MOTIF_KINDS, `${at}.kind`);
  str(o.label, `${at}.label`);
  str(o.anchor, `${at}.anchor`);
  arr(o.layers, `${at}.layers`).forEach((l, i) => str(l, `${at}.layers[${i}]`));
  if (o.repeat !== undefined) {
    const r = obj(o.repeat, `${at}.repeat`);
    str(r.group, `${at}.repeat.group`);
    num(r.index, `${at}.repeat.index`);
    num(r.count, `${at}.repeat.count`);
  }
}

function hint(x: unknown, at: string): void {
  const o = obj(x, at);
  str(o.id, `${at}.id`);
  const layers = arr(o.layerIds, `${at}.layerIds`);
  if (layers.length === 0) throw new Invalid(`${at}.layerIds: expected at least one layer`);
  layers.forEach((l, i) => str(l, `${at}.layerIds[${i}]`));
  str(o.pass, `${at}.pass`);
  str(o.title, `${at}.title`);
  oneOf(o.kind, ['exact', 'approximate', 'needs-fine-tuning'] as const, `${at}.kind`);
  num(o.deltaParams, `${at}.deltaParams`);
  count(o.deltaMacs, `${at}.deltaMacs`);
  num(o.deltaWeightBytes, `${at}.deltaWeightBytes`);
  optional(o, 'error', at, num);
  optional(o, 'detail', at, str);
  optional(o, 'modelWide', at, bool);
}

function totals(x: unknown, at: string): void {
  const o = obj(x, at);
  num(o.params, `${at}.params`);
  count(o.macs, `${at}.macs`);
  count(o.flops, `${at}.flops`);
  num(o.weightBytes, `${at}.weightBytes`);
}

function preview(x: unknown, at: string): void {
  const o = obj(x, at);
  str(o.hintId, `${at}.hintId`);
  str(o.pass, `${at}.pass`);
  str(o.title, `${at}.title`);
  oneOf(o.kind, ['exact', 'approximate', 'needs-fine-tuning'] as const, `${at}.kind`);
  arr(o.knobs, `${at}.knobs`).forEach((k, i) => {
    const p = `${at}.knobs[${i}]`;
    const ko = obj(k, p);
    str(ko.name, `${p}.name`);
    str(ko.label, `${p}.label`);
    for (const f of ['min', 'max', 'step', 'value']) num(ko[f], `${p}.${f}`);
  });
  totals(o.before, `${at}.before`);
  totals(o.after, `${at}.after`);
  arr(o.nodes, `${at}.nodes`).forEach((n, i) => {
    const p = `${at}.nodes[${i}]`;
    const no = obj(n, p);
    str(no.id, `${p}.id`);
    str(no.name, `${p}.name`);
    str(no.type, `${p}.type`);
    oneOf(no.status, DIFF_STATUSES, `${p}.status`);
    num(no.params, `${p}.params`);
    count(no.macs, `${p}.macs`);
    optional(no, 'paramsBefore', p, num);
    optional(no, 'macsBefore', p, count);
    arr(no.from, `${p}.from`).forEach((f, j) => str(f, `${p}.from[${j}]`));
  });
  num(o.omitted, `${at}.omitted`);
  optional(o, 'error', at, num);
  optional(o, 'applyDisabled', at, str);
  optional(o, 'measureDisabled', at, str);
}

function knobValues(x: unknown, at: string): void {
  const o = obj(x, at);
  for (const [k, v] of Object.entries(o)) {
    if (!['rank', 'ratio', 'bits', 'energy'].includes(k)) throw new Invalid(`${at}: unknown knob ${JSON.stringify(k)}`);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Invalid(`${at}.${k}: expected a finite number`);
  }
}

function viewState(x: unknown, at: string): ViewState {
  const o = obj(x, at);
  optional(o, 'selected', at, str);
  for (const k of ['expanded', 'collapsed'] as const) {
    if (o[k] !== undefined) arr(o[k], `${at}.${k}`).forEach((s, i) => str(s, `${at}.${k}[${i}]`));
  }
  if (o.metric !== undefined) oneOf(o.metric, HEAT_METRICS, `${at}.metric`);
  optional(o, 'showShapes', at, bool);
  optional(o, 'showConstants', at, bool);
  if (o.transform !== undefined) {
    const t = obj(o.transform, `${at}.transform`);
    num(t.x, `${at}.transform.x`);
    num(t.y, `${at}.transform.y`);
    num(t.k, `${at}.transform.k`);
  }
  if (o.panel !== undefined) oneOf(o.panel, ['details', 'summary'] as const, `${at}.panel`);
  optional(o, 'search', at, str);
  return o as ViewState;
}

function weightStats(x: unknown, at: string): void {
  const o = obj(x, at);
  str(o.name, `${at}.name`);
  arr(o.shape, `${at}.shape`).forEach((d, i) => num(d, `${at}.shape[${i}]`));
  for (const k of ['count', 'min', 'max', 'mean', 'std', 'sparsity']) num(o[k], `${at}.${k}`);
}

/** Validates a message the webview received. Never throws on bad input; says what is wrong. */
export function parseHostMessage(x: unknown): Parsed<HostToWebview> {
  return guard(() => {
    const o = obj(x, 'message');
    const at = `message(${String(o.type)})`;
    switch (o.type) {
      case 'analysis': {
        analysis(o.analysis, `${at}.analysis`);
        if (o.motifs !== undefined) arr(o.motifs, `${at}.motifs`).forEach((m, i) => motif(m, `${at}.motifs[${i}]`));
        if (o.hints !== undefined) arr(o.hints, `${at}.hints`).forEach((h, i) => hint(h, `${at}.hints[${i}]`));
        if (o.state !== undefined) viewState(o.state, `${at}.state`);
        if (o.details !== undefined) record(o.details, `${at}.details`, nodeDetails);
        optional(o, 'title', at, str);
        if (o.measured !== undefined) measuredTimes(o.measured, `${at}.measured`);
        return o as HostToWebview;
      }
      case 'hints':
        arr(o.hints, `${at}.hints`).forEach((h, i) => hint(h, `${at}.hints[${i}]`));
        return o as HostToWebview;
      case 'weightStats':
        str(o.id, `${at}.id`);
        if (o.stats !== undefined) arr(o.stats, `${at}.stats`).forEach((s, i) => weightStats(s, `${at}.stats[${i}]`));
        optional(o, 'error', at, str);
        optional(o, 'pending', at, bool);
        return o as HostToWebview;
      case 'reveal':
        str(o.id, `${at}.id`);
        return o as HostToWebview;
      case 'busy':
      case 'error':
        str(o.message, `${at}.message`);
        return o as HostToWebview;
      case 'preview':
        preview(o.preview, `${at}.preview`);
        return o as HostToWebview;
      case 'measured':
        measuredTimes(o.measured, `${at}.measured`);
        return o as HostToWebview;
      case 'measureState':
        measureState(o, at);
        return o as HostToWebview;
      case 'compare':
        if (o.compare !== undefined) compareView(o.compare, `${at}.compare`);
        optional(o, 'running', at, str);
        optional(o, 'error', at, str);
        return o as HostToWebview;
      default:
        throw new Invalid(`message: unknown type ${JSON.stringify(o.type)}`);
    }
  });
}

/** Validates a message the host received from the webview. */
export function parseWebviewMessage(x: unknown): Parsed<WebviewToHost> {
  return guard(() => {
    const o = obj(x, 'message');
    const at = `message(${String(o.type)})`;
    switch (o.type) {
      case 'ready':
        num(o.version, `${at}.version`);
        return o as WebviewToHost;
      case 'select':
        if (o.id !== null) str(o.id, `${at}.id`);
        return o as WebviewToHost;
      case 'openSource':
      case 'requestWeightStats':
        str(o.id, `${at}.id`);
        return o as WebviewToHost;
      case 'previewHint':
      case 'applyHint':
        str(o.hintId, `${at}.hintId`);
        return o as WebviewToHost;
      case 'export': {
        oneOf(o.format, EXPORT_FORMATS, `${at}.format`);
        str(o.data, `${at}.data`);
        oneOf(o.encoding, ['utf8', 'base64'] as const, `${at}.encoding`);
        const name = str(o.suggestedName, `${at}.suggestedName`);
        // The host joins this with a folder: a path separator or '..' would escape it.
        if (!/^[^/\\]+$/.test(name) || name === '.' || name === '..') throw new Invalid(`${at}.suggestedName: not a plain file name`);
        return o as WebviewToHost;
      }
      case 'log':
        oneOf(o.level, ['info', 'warn', 'error'] as const, `${at}.level`);
        str(o.message, `${at}.message`);
        return o as WebviewToHost;
      case 'previewKnobs':
      case 'previewApply':
      case 'previewMeasure':
        knobValues(o.knobs, `${at}.knobs`);
        return o as WebviewToHost;
      case 'previewCancel':
      case 'measure':
        return o as WebviewToHost;
      case 'measuredShown':
        num(o.mapped, `${at}.mapped`);
        num(o.ignored, `${at}.ignored`);
        return o as WebviewToHost;
      default:
        throw new Invalid(`message: unknown type ${JSON.stringify(o.type)}`);
    }
  });
}

export { parseViewState };
function parseViewState(x: unknown): Parsed<ViewState> {
  return guard(() => viewState(x, 'state'));
}
