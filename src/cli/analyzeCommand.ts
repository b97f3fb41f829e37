import { parseArgs } from 'node:util';
import { loadModel } from '../core/formats';
import { analyzeModel } from '../core/analysis/analyze';
import type { Analysis, Count, LayerAnalysis } from '../core/analysis/types';
import { grouped, human, humanBytes, table, terminalText } from './format';
import { llmCliJson, type LlmAnalysis } from '../core/analysis/llm';
import { isStorageType, STORAGE_TYPES, type StorageType } from '../core/analysis/llmUnits';
import { UsageError } from './usage';

const SORT_KEYS = ['params', 'macs', 'flops'] as const;
type SortKey = (typeof SORT_KEYS)[number];

export interface AnalyzeArgs {
  file: string;
  json: boolean;
  dims: Record<string, number>;
  sort?: SortKey;
  top?: number;
  context?: number;
  kvDtype?: StorageType;
}

export function parseAnalyzeArgs(argv: string[]): AnalyzeArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        dim: { type: 'string', multiple: true, default: [] },
        sort: { type: 'string' },
        top: { type: 'string' },
        context: { type: 'string' },
        'kv-dtype': { type: 'string' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(`analyze takes exactly one FILE (got ${positionals.length})`);
  return {
    file: positionals[0],
    json: values.json ?? false,
    dims: parseDims(values.dim ?? []),
    sort: parseSort(values.sort),
    top: parseTop(values.top),
    context: parsePositive(values.context, '--context'),
    kvDtype: parseKvDtype(values['kv-dtype']),
  };
}

export function parsePositive(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) throw new UsageError(`${flag} expects a positive integer (got "${v}")`);
  return Number(v);
}

export function parseKvDtype(v: string | undefined): StorageType | undefined {
  if (v === undefined) return undefined;
  if (!isStorageType(v)) throw new UsageError(`--kv-dtype expects one of ${STORAGE_TYPES.join(', ')} (got "${v}")`);
  return v;
}

export function parseDims(specs: string[]): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const s of specs) {
    const m = /^([^=\s]+)=(\d+)$/.exec(s);
    if (!m || Number(m[2]) < 1) throw new UsageError(`--dim expects NAME=VALUE with a positive integer VALUE (got "${s}")`);
    dims[m[1]] = Number(m[2]);
  }
  return dims;
}

function parseSort(v: string | undefined): SortKey | undefined {
  if (v === undefined) return undefined;
  if (!(SORT_KEYS as readonly string[]).includes(v)) throw new UsageError(`--sort expects one of ${SORT_KEYS.join(', ')} (got "${v}")`);
  return v as SortKey;
}

function parseTop(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--top expects a positive integer (got "${v}")`);
  return Number(v);
}

export async function runAnalyze(args: AnalyzeArgs): Promise<string> {
  const model = await loadModel(args.file);
  const analysis = analyzeModel(model, { dims: args.dims, llm: { context: args.context, kvDtype: args.kvDtype } });
  return args.json ? JSON.stringify(toCliJson(analysis, args.file), null, 2) : terminalText(renderText(analysis, args));
}

/** The documented --json contract: exactly these keys, in this order. */
export function toCliJson(a: Analysis, file: string) {
  return {
    format: a.format,
    file,
    inputs: a.inputs,
    outputs: a.outputs,
    totals: {
      params: a.totals.params,
      macs: a.totals.macs,
      flops: a.totals.flops,
      weightBytes: a.totals.weightBytes,
      peakActivationBytes: a.totals.peakActivationBytes,
    },
    layers: a.layers.map((l) => ({ name: l.name, type: l.type, params: l.params, macs: l.macs, flops: l.flops, outputs: l.outputs })),
    notCosted: a.notCosted,
    ...(a.llm ? { llm: llmCliJson(a.llm) } : {}),
  };
}

/** Numeric sort key; symbolic counts sort after every number (they grow with the free dims). */
function sortValue(c: Count): number {
  return typeof c === 'number' ? c : Number.POSITIVE_INFINITY;
}

function shapeText(shape: (number | string)[] | null): string {
  return shape ? `[${shape.join(', ')}]` : '?';
}

function share(part: Count, total: Count): string {
  if (typeof part !== 'number' || typeof total !== 'number' || total === 0) return '';
  return `${((100 * part) / total).toFixed(1)}%`;
}

export function renderText(a: Analysis, args: Pick<AnalyzeArgs, 'sort' | 'top' | 'file'>): string {
  let layers: LayerAnalysis[] = [...a.layers];
  if (args.sort) {
    const k = args.sort;
    layers.sort((x, y) => sortValue(y[k]) - sortValue(x[k]));
  }
  const shown = args.top ? layers.slice(0, args.top) : layers;
  const rows = shown.map((l) => [
    l.name || l.id,
    l.type + (l.costed ? '' : ' *'),
    l.outputs.map((o) => shapeText(o.shape)).join(' ') || '-',
    grouped(l.params),
    human(l.macs),
    share(l.macs, a.totals.macs),
    human(l.flops),
  ]);
  const out: string[] = [];
  out.push(`${a.format.toUpperCase()} model: ${args.file}`);
  // Sequences and optionals show their element type inside the container: sequence<float32 [2, ?]>.
  const typeText = (t: { dtype: string; shape: (number | string)[] | null; container?: string }) => (t.container ? `${t.container}<${t.dtype} ${shapeText(t.shape)}>` : `${t.dtype} ${shapeText(t.shape)}`);
  for (const i of a.inputs) out.push(`  input  ${i.name}: ${typeText(i)}`);
  for (const o of a.outputs) out.push(`  output ${o.name}: ${typeText(o)}`);
  out.push('');
  out.push(table(['Layer', 'Type', 'Output shape', 'Params', 'MACs', 'MACs %', 'FLOPs'], rows, ['l', 'l', 'l', 'r', 'r', 'r', 'r']));
  if (args.top && layers.length > shown.length) out.push(`(${layers.length - shown.length} more layers; --top ${args.top}${args.sort ? ` by ${args.sort}` : ''})`);
  const t = a.totals;
  out.push(`Layers:               ${a.layers.length}`);
  const both = (c: Count) => (typeof c === 'number' ? `${grouped(c)} (${human(c, 2)})` : c);
  out.push(`Params:               ${both(t.params)}`);
  const tied = a.details.tiedWeights;
  if (tied) out.push(`  tied weights:       ${tied.pairs.length} stored twice, counted once (${tied.storedParams.toLocaleString('en-US')} stored)`);
  out.push(`MACs:                 ${both(t.macs)}`);
  out.push(`FLOPs:                ${both(t.flops)}`);
  const byDtype = Object.entries(a.details.weightBytesByDtype).map(([d, b]) => `${d} ${humanBytes(b)}`).join(', ');
  out.push(`Weights:              ${humanBytes(t.weightBytes)}${byDtype ? ` (${byDtype})` : ''}`);
  out.push(`Peak activations:     ${humanBytes(t.peakActivationBytes)}`);
  if (a.details.constants) out.push(`Constants (not params): ${grouped(a.details.constants)} elements`);
  if (a.details.freeDims.length) out.push(`Free dims:            ${a.details.freeDims.join(', ')} (bind with --dim NAME=VALUE)`);
  if (a.llm) out.push('', ...llmText(a.llm));
  if (a.notCosted.length) {
    out.push('');
    out.push(`Not costed (${a.notCosted.length}), marked *:`);
    for (const n of a.notCosted) out.push(`  ${n.name} (${n.type}): ${n.reason}`);
  }
  for (const w of a.details.warnings) out.push(`warning: ${w}`);
  return out.join('\n');
}

const both = (c: number) => `${grouped(c)} (${human(c, 2)})`;

/** The LLM section of the human-readable analysis. */
export function llmText(l: LlmAnalysis): string[] {
  const out: string[] = [];
  const moe = l.experts ? `, ${l.experts} experts (top-${l.expertsPerToken})` : '';
  out.push(`LLM: ${l.architecture}, ${l.layers} layers, hidden ${l.hiddenSize}, ${l.heads} heads / ${l.kvHeads} KV heads × ${l.headDim}, vocab ${l.vocab}${moe}${l.maxContext ? `, context ${l.maxContext}` : ''}`);
  out.push(`  params:             ${both(l.params.total)} total, ${both(l.params.embedding)} embedding, ${both(l.params.nonEmbedding)} non-embedding`);
  if (l.experts) out.push(`  active per token:   ${both(l.params.activePerToken)}`);
  if (!l.encoder) {
    const sliding = l.kvLayers.filter((k) => k.kind === 'sliding').length;
    out.push(`  KV cache (${l.kvDtype}):    ${grouped(l.kvCacheBytesPerToken)} B per token, ${humanBytes(l.plan.kvCacheBytes / l.plan.batch)} at context ${l.plan.context}${sliding ? ` (${sliding} sliding-window layers capped)` : ''}`);
  }
  out.push(`  prefill:            ${l.prefill.tokens} tokens × batch ${l.prefill.batch}: ${both(l.prefill.macs)} MACs, ${both(l.prefill.flops)} FLOPs`);
  if (l.decode) out.push(`  decode:             one token at context ${l.decode.context}: ${both(l.decode.macsPerToken)} MACs, ${both(l.decode.flopsPerToken)} FLOPs`);
  out.push(`  weights:            ${humanBytes(l.weightBytes)} as stored`);
  return out;
}
