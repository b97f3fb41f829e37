/**
 * Optimization hints: the passes' suggestions (src/core/passes) filtered by the settings and turned into
 * what the editor shows (⚡ lenses, graph badges). Pure functions of a Suggestion and an Analysis (unit-tested).
 */
import type { Analysis, Count, LayerAnalysis } from '../core/analysis/types';
import type { KnobValues, LayerError, Suggestion } from '../core/passes/types';
import type { DiffNode, HintView, PreviewView } from '../../webview/protocol';

export interface HintFilter {
  enabled: boolean;
  /** Hide hints saving less than this share of the affected layers' MACs or parameters. */
  minSavingsPercent: number;
  /** Hide hints whose measured weight error exceeds this (percent); unmeasured hints are kept. */
  maxErrorPercent: number;
}

export interface Savings {
  metric: 'MACs' | 'params' | 'weights';
  /** Percent saved of the affected layers (0..100; negative when the hint grows them). */
  percent: number;
}

function num(c: Count): number | undefined {
  return typeof c === 'number' ? c : undefined;
}

/** The larger of the MAC and parameter savings relative to the layers the suggestion touches. */
export function savingsOf(s: Suggestion, a: Analysis): Savings {
  const touched = a.layers.filter((l) => s.layers.includes(l.id));
  const macs = touched.reduce((n, l) => n + (num(l.macs) ?? 0), 0);
  const params = touched.reduce((n, l) => n + l.params, 0);
  const bytes = touched.reduce((n, l) => n + l.weightBytes, 0);
  const dm = num(s.delta.macs);
  const cands: Savings[] = [];
  if (dm !== undefined && macs > 0) cands.push({ metric: 'MACs', percent: (-100 * dm) / macs });
  if (params > 0) cands.push({ metric: 'params', percent: (-100 * s.delta.params) / params });
  // Quantization keeps the parameter count and shrinks the bytes.
  if (bytes > 0) cands.push({ metric: 'weights', percent: (-100 * s.delta.weightBytes) / bytes });
  if (!cands.length) return { metric: 'params', percent: 0 };
  return cands.reduce((b, c) => (c.percent > b.percent ? c : b));
}

/** The suggestions to show, in the registry's order (largest savings first). */
export function selectHints(suggestions: Suggestion[], a: Analysis, f: HintFilter): Suggestion[] {
  if (!f.enabled) return [];
  return suggestions.filter((s) => {
    const sv = savingsOf(s, a);
    if (!(sv.percent > 0) || sv.percent < f.minSavingsPercent) return false;
    // An approximate change must carry its computed error to pass an error limit, unless the file has no
    // weights to measure it on (architecture-only JSON): then the limit cannot judge it and the preview
    // says the error is unknown.
    if (s.kind === 'approximate' && !s.error && !s.errorUnavailable) return false;
    if (s.error && 100 * s.error.value > f.maxErrorPercent) return false;
    return true;
  });
}

/** Display name of a pass: "depthwise-separable" -> "depthwise separable". */
export function passLabel(pass: string): string {
  return pass === 'quantize-int8' ? 'int8 quantization' : pass.replace(/-/g, ' ');
}

function pct(p: number): string {
  return p >= 10 || p <= -10 ? p.toFixed(0) : p.toFixed(1).replace(/\.0$/, '');
}

/**
 * Passes that rewrite the whole model at once (every weighted layer): one hint for the model, shown once
 * (a lens on the first line, the summary panel), not a badge and a lens on each of its layers.
 */
const MODEL_WIDE_PASSES: ReadonlySet<string> = new Set(['quantize-int8', 'cluster', 'cleanup']);

export function isModelWide(s: Pick<Suggestion, 'pass' | 'layers'>): boolean {
  return MODEL_WIDE_PASSES.has(s.pass) && s.layers.length > 1;
}

/** The saving as a share of the whole model, in the metric of `sv` (0..100 for a saving). */
export function modelShare(s: Suggestion, a: Analysis, sv: Savings): number | undefined {
  const total = sv.metric === 'MACs' ? num(a.totals.macs) : sv.metric === 'params' ? a.totals.params : a.totals.weightBytes;
  const d = sv.metric === 'MACs' ? num(s.delta.macs) : sv.metric === 'params' ? s.delta.params : s.delta.weightBytes;
  if (total === undefined || d === undefined || !(total > 0)) return undefined;
  return (-100 * d) / total;
}

function shareText(p: number): string {
  const a = Math.abs(p);
  return `${p >= 0 ? '−' : '+'}${a > 0 && a < 0.1 ? '<0.1' : pct(a)}%`;
}

/** Which layers a hint is about, by name: "dense_40", "conv1 +2", "(whole model)". */
export function hintTarget(s: Suggestion, a: Analysis): string {
  if (isModelWide(s)) return '(whole model)';
  const byId = new Map(a.layers.map((l) => [l.id, l]));
  const first = byId.get(s.layers[0])?.name ?? s.layers[0] ?? '?';
  return s.layers.length > 1 ? `${first} +${s.layers.length - 1}` : first;
}

/**
 * What a hint saves, relative to things it names: "−75% MACs of this layer, −37% of the model". The
 * layer share is left out when the saving reaches beyond the layers it names (a pruned layer's
 * consumer shrinks too: "−765%" of the layer meant nothing); model-wide hints give the model share only.
 * Every percentage shown is within 0..100 for a saving.
 */
export function savingsText(s: Suggestion, a: Analysis): string {
  const sv = savingsOf(s, a);
  const model = modelShare(s, a, sv);
  const modelPart = model !== undefined ? `${shareText(model)} ${sv.metric} of the model` : '';
  if (isModelWide(s) || Math.abs(sv.percent) > 100) return modelPart || `${sv.metric} change`;
  const which = s.layers.length > 1 ? 'these layers' : 'this layer';
  const layerPart = `${shareText(sv.percent)} ${sv.metric} of ${which}`;
  return model !== undefined ? `${layerPart}, ${shareText(model)} of the model` : layerPart;
}

/** `⚡ low rank dense_40: −75% MACs of this layer, −37% of the model` */
export function hintLensTitle(s: Suggestion, a: Analysis): string {
  return `⚡ ${passLabel(s.pass)} ${hintTarget(s, a)}: ${savingsText(s, a)}${s.appliable === false ? ' (needs the weights)' : ''}`;
}

export function kindLabel(k: Suggestion['kind']): string {
  return k === 'needs-fine-tuning' ? 'needs fine-tuning' : k;
}

export function hintTooltip(s: Suggestion, a: Analysis): string {
  const err = s.error ? `; measured weight error ${(100 * s.error.value).toFixed(2)}%` : '';
  if (s.appliable === false) return `${s.title} (${kindLabel(s.kind)}${err}). Not appliable here: ${s.needs ?? 'weights absent'}. Click to preview.`;
  return `${s.title} (${kindLabel(s.kind)}${err}). Click to preview.`;
}

export function toHintView(s: Suggestion, a: Analysis): HintView {
  const knobs = Object.entries(s.at).map(([k, v]) => `${k} ${v}`).join(', ');
  return {
    id: s.id,
    layerIds: s.layers.length ? s.layers : ['?'],
    pass: s.pass,
    title: s.title,
    kind: s.kind,
    deltaParams: s.delta.params,
    deltaMacs: s.delta.macs,
    deltaWeightBytes: s.delta.weightBytes,
    error: s.error?.value,
    detail: `${passLabel(s.pass)}: ${savingsText(s, a)}${knobs ? ` at ${knobs}` : ''}`,
    ...(isModelWide(s) ? { modelWide: true } : {}),
  };
}

/** Knob values for a rewrite: the suggestion's defaults, overridden by the user's (clamped to range). */
export function knobValues(s: Suggestion, user: Record<string, number> = {}): KnobValues {
  const out: KnobValues = { ...s.at };
  for (const k of s.knobs) {
    const v = user[k.name];
    if (typeof v === 'number' && Number.isFinite(v)) out[k.name] = Math.min(k.max, Math.max(k.min, v));
  }
  // One knob at a time: the user's choice wins over the suggestion's other defaults (rank > energy > ratio).
  const chosen = Object.keys(user).filter((k) => s.knobs.some((x) => x.name === k));
  if (chosen.length) for (const k of Object.keys(out) as (keyof KnobValues)[]) if (!chosen.includes(k)) delete out[k];
  return out;
}

const MAX_DIFF_NODES = 150;

function sameLayer(a: LayerAnalysis, b: LayerAnalysis): boolean {
  const shapes = (l: LayerAnalysis) => JSON.stringify([l.inputs.map((t) => t.shape), l.outputs.map((t) => t.shape), l.inputs.map((t) => t.dtype)]);
  return a.type === b.type && a.params === b.params && a.macs === b.macs && a.weightBytes === b.weightBytes && shapes(a) === shapes(b);
}

/**
 * The diff graph of a rewrite: removed (only before), added (only after), changed (both, different
 * cost/shape) and one layer of unchanged neighbours, with edges from each analysis's producers.
 */
export function diffNodes(before: Analysis, after: Analysis): { nodes: DiffNode[]; omitted: number } {
  const b = new Map(before.layers.map((l) => [l.id, l]));
  const a = new Map(after.layers.map((l) => [l.id, l]));
  const status = new Map<string, DiffNode['status']>();
  for (const l of before.layers) if (!a.has(l.id)) status.set(l.id, 'removed');
  for (const l of after.layers) {
    const old = b.get(l.id);
    if (!old) status.set(l.id, 'added');
    else if (!sameLayer(old, l)) status.set(l.id, 'changed');
  }
  const preds = (l: LayerAnalysis, an: Analysis) => l.inputs.map((t) => an.details.producers[t.name]).filter((x): x is string => !!x);
  const core = [...status.keys()];
  const omitted = Math.max(0, core.length - MAX_DIFF_NODES);
  const keep = new Set(core.slice(0, MAX_DIFF_NODES));
  // Neighbours for context: producers and consumers of the diff nodes, in either graph.
  const context = new Set<string>();
  for (const [an, m] of [[before, b], [after, a]] as const) {
    for (const l of an.layers) {
      const ps = preds(l, an);
      if (keep.has(l.id)) for (const p of ps) if (!keep.has(p) && m.has(p)) context.add(p);
      if (!keep.has(l.id) && ps.some((p) => keep.has(p))) context.add(l.id);
    }
  }
  const ids = [...keep, ...[...context].filter((c) => !keep.has(c)).slice(0, 60)];
  const inSet = new Set(ids);
  return {
    omitted,
    nodes: ids.map((id) => {
      const st = status.get(id) ?? 'context';
      const l = st === 'removed' ? b.get(id)! : a.get(id) ?? b.get(id)!;
      const an = st === 'removed' ? before : after;
      const from = new Set(preds(l, an).filter((p) => inSet.has(p)));
      // A removed node's consumers in the before graph still point at it.
      if (st !== 'removed' && b.has(id)) for (const p of preds(b.get(id)!, before)) if (status.get(p) === 'removed' && inSet.has(p)) from.add(p);
      const n: DiffNode = { id, name: l.name, type: l.type, status: st, params: l.params, macs: l.macs, from: [...from] };
      if (st === 'changed') {
        n.paramsBefore = b.get(id)!.params;
        n.macsBefore = b.get(id)!.macs;
      }
      return n;
    }),
  };
}

export function previewView(
  s: Suggestion,
  knobs: KnobValues,
  r: { before: Analysis; after: Analysis; errors: LayerError[] },
  applyDisabled?: string,
): PreviewView {
  const t = (a: Analysis) => ({ params: a.totals.params, macs: a.totals.macs, flops: a.totals.flops, weightBytes: a.totals.weightBytes });
  const { nodes, omitted } = diffNodes(r.before, r.after);
  const measured = r.errors.length ? Math.max(...r.errors.map((e) => e.relError)) : s.error && sameKnobs(s.at, knobs) ? s.error.value : undefined;
  return {
    hintId: s.id,
    pass: s.pass,
    title: s.title,
    kind: s.kind,
    knobs: s.knobs.map((k) => ({ name: k.name, label: k.label, min: k.min, max: k.max, step: k.step, value: knobs[k.name] ?? k.default })),
    before: t(r.before),
    after: t(r.after),
    nodes,
    omitted,
    error: measured,
    // A suggestion the file cannot take (weights absent) says what it needs instead of failing on Apply.
    applyDisabled: applyDisabled ?? (s.appliable === false ? s.needs ?? 'cannot be applied to this file' : undefined),
  };
}

function sameKnobs(a: KnobValues, b: KnobValues): boolean {
  return JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
}
