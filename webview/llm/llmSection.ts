/**
 * The summary's "Language model" section: the numbers of `analysis.llm`, and controls (context
 * slider, batch, KV dtype, memory budget) that update the KV cache, the memory plan, the fit and the
 * hints live. Every number shown comes from src/core — `memoryPlanFor` (llm.ts), `kvBytesPerToken` and
 * `weightOnlyHints` (llmPlan.ts) run here, in the webview bundle, on the analysis the host sent: a few
 * sums per input event, no graph analysis, no message to the host.
 */
import { memoryPlanFor, type LlmAnalysis, type MemoryPlan } from '../../src/core/analysis/llm';
import { kvBytesPerToken, weightOnlyHints, type WeightOnlyHint } from '../../src/core/analysis/llmPlan';
import { parseBytes, STORAGE_TYPES, type StorageType } from '../../src/core/analysis/llmUnits';
import type { Analysis } from '../../src/core/analysis/types';
import { h } from '../dom';
import { bytes, grouped, human, percent } from '../model/format';
import { kvTable, section } from '../panels/common';

/** The user's choices; kept by the app across re-renders of the side panel. */
export interface LlmControls {
  context?: number;
  batch?: number;
  kvDtype?: StorageType;
  /** The budget as typed ("24 GiB"); empty = none. */
  budget?: string;
}

const KV_TYPES: StorageType[] = STORAGE_TYPES.filter((t) => t !== 'int8' && t !== 'int4');
const MIN_CONTEXT = 128;
const SLIDER_STEPS = 1000;
/** When the file does not say how long its context is, the slider still goes this far. */
const UNKNOWN_MAX_CONTEXT = 131072;

/** Slider position ↔ context: logarithmic, so 1K and 128K are both reachable with a drag. */
function contextAt(pos: number, max: number): number {
  const lo = Math.log2(MIN_CONTEXT);
  const c = 2 ** (lo + ((Math.log2(max) - lo) * pos) / SLIDER_STEPS);
  return Math.min(max, Math.max(1, Math.round(c)));
}
function positionOf(context: number, max: number): number {
  const lo = Math.log2(MIN_CONTEXT);
  return Math.round((SLIDER_STEPS * (Math.log2(Math.max(MIN_CONTEXT, context)) - lo)) / (Math.log2(max) - lo));
}

export function llmSection(a: Analysis, c: LlmControls): HTMLElement | null {
  const l0 = a.llm;
  if (!l0) return null;
  const root = h('div', { class: 'llm', attrs: { id: 'llm-section' } });
  const maxContext = l0.maxContext ?? UNKNOWN_MAX_CONTEXT;

  const static_ = h('div', { class: 'llm-static' });
  static_.append(modelTable(a, l0), costTable(l0));
  const live = h('div', { class: 'llm-live', attrs: { 'aria-live': 'polite' } });

  c.context ??= l0.plan.context;
  c.batch ??= l0.plan.batch;
  c.kvDtype ??= l0.kvDtype;
  c.budget ??= '';

  const slider = h('input', { attrs: { id: 'llm-context', type: 'range', min: 0, max: SLIDER_STEPS, step: 1, 'aria-label': 'Context length' } });
  slider.value = String(positionOf(c.context, maxContext));
  const contextBox = h('input', { class: 'llm-num', attrs: { id: 'llm-context-value', type: 'number', min: 1, max: maxContext, 'aria-label': 'Context length (tokens)' } });
  contextBox.value = String(c.context);
  const batchBox = h('input', { class: 'llm-num', attrs: { id: 'llm-batch', type: 'number', min: 1, max: 4096, 'aria-label': 'Batch' } });
  batchBox.value = String(c.batch);
  const kvSelect = h('select', { attrs: { id: 'llm-kv-dtype', 'aria-label': 'KV cache type' } },
    ...KV_TYPES.map((t) => h('option', { text: t, attrs: { value: t } })));
  kvSelect.value = c.kvDtype;
  const budgetBox = h('input', { class: 'llm-budget', attrs: { id: 'llm-budget', type: 'text', placeholder: 'e.g. 24 GiB', 'aria-label': 'Memory budget', spellcheck: false } });
  budgetBox.value = c.budget;
  const budgetError = h('span', { class: 'llm-error', attrs: { id: 'llm-budget-error' } });

  const render = () => {
    const budgetBytes = c.budget!.trim() === '' ? undefined : parseBytes(c.budget!);
    budgetError.textContent = c.budget!.trim() !== '' && budgetBytes === undefined ? 'not a size (try 24 GiB, 80GB, 16e9)' : '';
    const opts = { context: c.context!, batch: c.batch!, kvDtype: c.kvDtype!, memoryBudget: budgetBytes };
    const plan = memoryPlanFor(l0, opts);
    const hints = weightOnlyHints(a, opts);
    const hl = hintList(hints, plan, a.format);
    live.replaceChildren(liveTables(l0, plan), ...(hl ? [hl] : []));
  };
  const onContext = (v: number) => {
    if (!Number.isFinite(v) || v < 1) return;
    c.context = Math.min(maxContext, Math.round(v));
    render();
  };
  slider.addEventListener('input', () => {
    onContext(contextAt(Number(slider.value), maxContext));
    contextBox.value = String(c.context);
  });
  contextBox.addEventListener('input', () => {
    onContext(Number(contextBox.value));
    slider.value = String(positionOf(c.context!, maxContext));
  });
  batchBox.addEventListener('input', () => {
    const b = Number(batchBox.value);
    if (Number.isInteger(b) && b >= 1 && b <= 4096) {
      c.batch = b;
      render();
    }
  });
  kvSelect.addEventListener('change', () => {
    c.kvDtype = kvSelect.value as StorageType;
    render();
  });
  budgetBox.addEventListener('input', () => {
    c.budget = budgetBox.value;
    render();
  });

  const controls = h('div', { class: 'llm-controls' },
    h('label', { class: 'llm-row' }, h('span', { text: 'Context' }), slider, contextBox, h('span', { class: 'muted', text: `of ${grouped(maxContext)}` })),
    h('label', { class: 'llm-row' }, h('span', { text: 'Batch' }), batchBox, h('span', { text: 'KV cache' }), kvSelect),
    h('label', { class: 'llm-row' }, h('span', { text: 'Memory budget' }), budgetBox, budgetError));
  render();
  root.append(section('Language model', static_, controls, live));
  return root;
}

function modelTable(a: Analysis, l: LlmAnalysis): HTMLElement {
  const moe = l.experts !== null;
  const gqa = l.kvHeads > 0 && l.kvHeads !== l.heads ? ` (${l.heads / l.kvHeads} query heads per KV head)` : '';
  const rows: [string, string, string?][] = [
    ['Architecture', l.architecture, `from ${l.source === 'config' ? 'config.json' : l.source}`],
    ['Layers', grouped(l.layers)],
    ['Hidden size', grouped(l.hiddenSize)],
    ['Heads / KV heads', `${l.heads} / ${l.kvHeads}`, gqa.trim()],
    ['Head dim', grouped(l.headDim)],
    ['Vocabulary', grouped(l.vocab)],
  ];
  if (l.maxContext !== null) rows.push(['Trained context', grouped(l.maxContext)]);
  if (moe) rows.push(['Experts', `${l.experts} routed, ${l.expertsPerToken} per token`]);
  rows.push(['Parameters', grouped(l.params.total), human(l.params.total)]);
  rows.push(['Embedding', grouped(l.params.embedding), human(l.params.embedding)]);
  rows.push(['Non-embedding', grouped(l.params.nonEmbedding), human(l.params.nonEmbedding)]);
  rows.push([moe ? 'Active per token' : 'Active per token', grouped(l.params.activePerToken), moe ? `${human(l.params.activePerToken)} of ${human(l.params.total)} (${percent(l.params.activePerToken, l.params.total)})` : 'all (dense)']);
  rows.push(['Weights as stored', bytes(l.weightBytes)]);
  const byType = Object.entries(a.details.weightBytesByDtype).filter(([, b]) => b > 0).sort((x, y) => y[1] - x[1]);
  const table = kvTable(rows);
  table.classList.add('llm-model');
  const types = byType.length
    ? kvTable(byType.map(([t, b]) => [t, bytes(b), percent(b, a.totals.weightBytes)]))
    : null;
  types?.classList.add('llm-dtypes');
  return h('div', {}, table, types ? h('div', { class: 'llm-sub muted', text: 'Weight bytes by type' }) : null, types);
}

/** Prefill and decode cost, at the analysis's own context and prefill length (the slider moves the memory plan). */
function costTable(l: LlmAnalysis): HTMLElement {
  const rows: [string, string, string?][] = [[`Prefill (${grouped(l.prefill.tokens)} tokens)`, `${human(l.prefill.macs)} MACs`, `${human(l.prefill.flops)} FLOPs`]];
  if (l.decode) rows.push([`Decode (at ${grouped(l.decode.context)})`, `${human(l.decode.macsPerToken)} MACs/token`, `${human(l.decode.flopsPerToken)} FLOPs/token`]);
  const t = kvTable(rows);
  t.classList.add('llm-costs');
  return t;
}

function liveTables(l: LlmAnalysis, p: MemoryPlan): HTMLElement {
  const kv: [string, string, string?][] = [
    ['KV cache per token', bytes(kvBytesPerToken(l, p.kvDtype)), `${p.kvDtype}, all layers`],
    [`KV cache at ${grouped(p.context)}`, bytes(p.kvCacheBytes), p.batch > 1 ? `× batch ${p.batch}` : ''],
  ];
  const plan: [string, string, string?][] = [
    ['Weights', bytes(p.weightBytes)],
    ['KV cache', bytes(p.kvCacheBytes)],
    ['Activations', bytes(p.activationBytes), 'peak of one decode step'],
    ['Total', bytes(p.totalBytes), `${grouped(p.totalBytes)} bytes`],
  ];
  if (p.budgetBytes !== null) {
    plan.push(['Budget', bytes(p.budgetBytes), p.fits ? '✓ fits' : '✗ does not fit']);
    plan.push(['Largest context', largestText(p), '']);
  }
  const t1 = kvTable(kv);
  t1.classList.add('llm-kv');
  const t2 = kvTable(plan);
  t2.classList.add('llm-plan');
  const fit = p.fits === null ? null : h('div', { class: `llm-fit ${p.fits ? 'ok' : 'bad'}`, attrs: { id: 'llm-fit' }, text: p.fits ? `Fits: ${bytes(p.totalBytes)} of ${bytes(p.budgetBytes!)}` : `Does not fit: ${bytes(p.totalBytes)} > ${bytes(p.budgetBytes!)}` });
  return h('div', {}, t1, h('div', { class: 'llm-sub muted', text: `Memory plan (batch ${p.batch}, context ${grouped(p.context)})` }), t2, fit);
}

function largestText(p: MemoryPlan): string {
  if (p.largestContext === null) return '';
  if (p.largestContextLimitedBy === 'weights') return 'none: the weights alone exceed the budget';
  if (p.largestContextLimitedBy === 'model') return `${grouped(p.largestContext)} (the trained context)`;
  return `${grouped(p.largestContext)} tokens`;
}

function hintList(hints: WeightOnlyHint[], plan: MemoryPlan, format: Analysis['format']): HTMLElement | null {
  if (hints.length === 0) return null;
  return h('div', { class: 'llm-hints', attrs: { id: 'llm-hints' } },
    h('div', { class: 'llm-sub muted', text: 'Optimization hints (effect on this memory plan)' }),
    ...hints.map((x) => {
      const fitText = x.plan.largestContext === null
        ? `total ${bytes(x.plan.totalBytes)}`
        : x.plan.largestContextLimitedBy === 'weights'
          ? 'still does not fit'
          : `context that now fits: ${grouped(x.plan.largestContext)}${x.largestContextBefore !== null ? ` (was ${x.largestContextBefore === 0 ? 'none' : grouped(x.largestContextBefore)})` : ''}`;
      return h('div', { class: 'llm-hint', attrs: { 'data-hint': x.id } },
        h('div', {}, h('span', { class: 'badge', text: '⚡' }), ' ', h('b', { text: x.title }), `: −${bytes(-x.deltaBytes)} (${percent(-x.deltaBytes, plan.totalBytes)}), ${fitText}`),
        h('div', { class: 'muted', text: `${x.layers} layers, ${human(x.params)} params: weights ${bytes(x.weightBytesBefore)} → ${bytes(x.weightBytesAfter)}` }),
        h('div', { class: 'llm-na', text: x.notApplicable ? `Not applicable to ${formatName(format)}: ${x.notApplicable}` : `Applied by the ${x.appliedBy} hint on the graph's layers (its own layout: per-channel scales)` }));
    }));
}

function formatName(f: Analysis['format']): string {
  return f === 'hf-config' ? 'config.json' : f === 'gguf' ? 'GGUF' : f;
}
