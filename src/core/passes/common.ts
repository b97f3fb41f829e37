import type { Analysis } from '../analysis/types';
import type { Model, Node } from '../ir/graph';
import { inferGraph } from '../rules/engine';
import { ConstReader } from '../rules/tensorValues';
import { deltaOf } from './delta';
import type { LayerError, FindOptions, Knob, KnobValues, Pass, PassName, Suggestion, SuggestionKind } from './types';
import { maxOf } from '../arrays';

export interface Draft {
  pass: PassName;
  title: string;
  layers: string[];
  kind: SuggestionKind;
  knobs: Knob[];
  detail?: Record<string, unknown>;
}

export function defaults(knobs: Knob[]): KnobValues {
  const v: KnobValues = {};
  for (const k of knobs) v[k.name] = k.default;
  return v;
}

/** Completes a draft: rewrites it structure-only at the default knobs and analyses the result. */
export async function finish(pass: Pass, model: Model, analysis: Analysis, d: Draft, opts: FindOptions = {}): Promise<Suggestion> {
  const at = defaults(d.knobs);
  const s: Suggestion = {
    id: suggestionId(d.pass, d.layers, d.detail?.cleanup as string | undefined),
    pass: d.pass,
    title: d.title,
    layers: d.layers,
    kind: d.kind,
    knobs: d.knobs,
    at,
    delta: { params: 0, macs: 0, weightBytes: 0 },
    appliable: true,
  };
  const needs = needsWeights(model, d.pass);
  if (needs) {
    s.appliable = false;
    s.needs = needs;
  }
  if (d.detail) s.detail = d.detail;
  const after = await pass.rewrite(model, s, at, { withWeights: false });
  s.delta = deltaOf(analysis, after, opts.dims);
  // Approximate suggestions always carry their computed error (a filter on the error must never let an
  // unmeasured one through); fine-tuning ones, whose error is only a starting point, within the budget.
  const budget = opts.measureBudget ?? 0;
  if (s.kind === 'approximate' ? budget > 0 : s.kind !== 'exact' && budget > 0 && weightElements(model, s.layers) <= budget) {
    const perLayer: LayerError[] = [];
    try {
      await pass.rewrite(model, s, at, { withWeights: true, onError: (e) => perLayer.push(e) });
      if (perLayer.length) s.error = { metric: 'relative-frobenius', value: maxOf(perLayer.map((e) => e.relError)), perLayer };
    } catch (e) {
      // Weights not available (architecture-only file, weights read only at Apply): the suggestion
      // stands, saying why its error is unknown, so a filter on the error does not judge it.
      s.errorUnavailable = `the weights cannot be read here (${String((e as Error)?.message ?? e).split('\n')[0].slice(0, 200)})`;
    }
  }
  return s;
}

/** Passes whose result is computed from the weight values (nothing to write without them). */
const FROM_VALUES = new Set<PassName>(['cluster', 'channel-prune', 'quantize-int8']);

/**
 * What Apply would need and the file lacks, or undefined when it can run. Weights read on demand
 * (.keras / .h5) count as present. An architecture-only Keras JSON is edited as text, so passes that
 * only change the structure apply to it; a file that has weights but cannot reach some of them
 * (tfjs shards or ONNX external data not beside it) cannot be rewritten consistently by any weight pass.
 */
export function needsWeights(model: Model, pass: PassName): string | undefined {
  let reason: string | undefined;
  for (const t of model.graph.initializers.values()) {
    if (t.source.kind === 'absent' && !/read on demand/.test(t.source.reason)) {
      reason = t.source.reason;
      break;
    }
  }
  if (reason === undefined) return undefined;
  if (model.format === 'keras') {
    if (/^architecture-only/.test(reason)) {
      return FROM_VALUES.has(pass) ? 'needs the weights: this Keras JSON holds only the architecture; open the .h5 / .keras file, or a tfjs model.json with its weight shards beside it' : undefined;
    }
    if (pass === 'cleanup') return undefined;
    return `needs the weights: ${reason}; put the weight shards beside the model.json (or open the .h5 / .keras file)`;
  }
  return `needs the weights: ${reason}; put the external data file beside the model`;
}

export function knobValue(knobs: KnobValues, k: Knob): number {
  const v = knobs[k.name] ?? k.default;
  if (!Number.isFinite(v) || v < k.min || v > k.max) throw new RangeError(`${k.name} must be in [${k.min}, ${k.max}], got ${v}`);
  return v;
}

export function scopeOf(id: string, model: Model): string[] | undefined {
  return model.graph.nodes.find((n) => n.id === id)?.scope;
}

/** Short and stable: pass (+ clean-up kind), first layer, and how many more. */
export function suggestionId(pass: string, layers: string[], sub?: string): string {
  return `${pass}${sub ? `/${sub}` : ''}:${layers[0] ?? ''}${layers.length > 1 ? ` (+${layers.length - 1})` : ''}`;
}

/** Float weight elements the layers hold (what measuring an error would read). */
function weightElements(model: Model, layers: string[]): number {
  const g = model.graph;
  let n = 0;
  for (const id of layers) {
    const node = g.nodes.find((x) => x.id === id);
    for (const name of [...(node?.inputs ?? []), ...(node?.weights ?? [])]) {
      const t = g.initializers.get(name);
      if (t) n += t.dims.reduce((a, b) => a * b, 1);
    }
  }
  return n;
}

/** A Keras node's layer config (the JSON the reader kept), {} when it has none. */
export function kerasConfig(n: Node): Record<string, unknown> {
  const c = n.attrs.config;
  return (c?.kind === 'json' && c.value && typeof c.value === 'object' ? c.value : {}) as Record<string, unknown>;
}

/**
 * Shape inference over the model as it is, with no dims bound: a rewrite must hold for every
 * batch/sequence size, not the preview's bound ones. Types and known values of every value.
 */
export function inferModel(model: Model): ReturnType<typeof inferGraph> {
  const consts = new ConstReader();
  try {
    return inferGraph(model.graph, { opsets: model.opsets, consts, warnings: new Set(), declare: (t) => t });
  } finally {
    consts.close();
  }
}
