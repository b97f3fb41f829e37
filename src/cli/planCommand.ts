import { parseArgs } from 'node:util';
import { analyzeModel } from '../core/analysis/analyze';
import { parseBandwidth, parseBytes, STORAGE_TYPES, isStorageType, type StorageType } from '../core/analysis/llmUnits';
import { ModelError } from '../core/errors';
import { loadModel } from '../core/formats';
import { parseKvDtype, parsePositive } from './analyzeCommand';
import { grouped, humanBytes } from './format';
import { UsageError } from './usage';

export interface PlanArgs {
  file: string;
  memory: number;
  context?: number;
  batch?: number;
  kvDtype?: StorageType;
  weightDtype?: StorageType | 'stored';
  bandwidth?: { bytesPerSecond: number; preset?: string };
  json: boolean;
}

export function parsePlanArgs(argv: string[]): PlanArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        memory: { type: 'string' },
        context: { type: 'string' },
        batch: { type: 'string' },
        'kv-dtype': { type: 'string' },
        'weight-dtype': { type: 'string' },
        bandwidth: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(`plan takes exactly one FILE (got ${positionals.length})`);
  if (values.memory === undefined) throw new UsageError('plan needs --memory SIZE (e.g. 24GiB)');
  const memory = parseBytes(values.memory);
  if (memory === undefined) throw new UsageError(`--memory expects a size such as 24GiB or 80GB (got "${values.memory}")`);
  let bandwidth;
  if (values.bandwidth !== undefined) {
    bandwidth = parseBandwidth(values.bandwidth);
    if (!bandwidth) throw new UsageError(`--bandwidth expects a rate such as 1000GB/s or a device (rtx4090, a100-80gb, h100-sxm, m2-ultra, ...) (got "${values.bandwidth}")`);
  }
  const wd = values['weight-dtype'];
  if (wd !== undefined && wd !== 'stored' && !isStorageType(wd)) throw new UsageError(`--weight-dtype expects stored or one of ${STORAGE_TYPES.join(', ')} (got "${wd}")`);
  return {
    file: positionals[0],
    memory,
    context: parsePositive(values.context, '--context'),
    batch: parsePositive(values.batch, '--batch'),
    kvDtype: parseKvDtype(values['kv-dtype']),
    weightDtype: wd as StorageType | 'stored' | undefined,
    bandwidth,
    json: values.json ?? false,
  };
}

export async function runPlan(args: PlanArgs): Promise<string> {
  const model = await loadModel(args.file);
  if (!model.llm) throw new ModelError('not a language model ModelLens recognises (plan needs a decoder: config.json, safetensors, GGUF or an LLM ONNX export)', 'unsupported');
  const a = analyzeModel(model, { dims: { batch: args.batch ?? 1, sequence: 1 }, llm: { batch: args.batch, context: args.context, sequence: 1, kvDtype: args.kvDtype, weightDtype: args.weightDtype, memoryBudget: args.memory, bandwidth: args.bandwidth } });
  const l = a.llm!;
  const p = l.plan;
  if (args.json) return JSON.stringify({ file: args.file, architecture: l.architecture, params: l.params, kvCacheBytesPerToken: l.kvCacheBytesPerToken, plan: p }, null, 2);
  const out = [
    `${l.architecture}: ${grouped(l.params.total)} params${l.experts ? ` (${grouped(l.params.activePerToken)} active per token)` : ''}`,
    `plan for batch ${p.batch}, context ${p.context}, weights ${p.weightDtype}, KV ${p.kvDtype}:`,
    `  weights:          ${humanBytes(p.weightBytes)}`,
    `  KV cache:         ${humanBytes(p.kvCacheBytes)} (${grouped(l.kvCacheBytesPerToken)} B per token)`,
    `  activations:      ${humanBytes(p.activationBytes)} (peak of one decode step)`,
    `  total:            ${humanBytes(p.totalBytes)} of ${humanBytes(p.budgetBytes!)}: ${p.fits ? 'fits' : 'does not fit'}`,
    `  largest context:  ${p.largestContext === 0 ? 'none (the weights alone do not fit)' : `${grouped(p.largestContext!)}${p.largestContextLimitedBy === 'model' ? ' (the trained context; memory allows more)' : ''}`}`,
  ];
  if (p.decodeTokensPerSecond !== null) out.push(`  decode bound:     ${p.decodeTokensPerSecond.toFixed(1)} tokens/s at ${(p.bandwidthBytesPerSecond! / 1e9).toLocaleString('en-US', { maximumFractionDigits: 1 })} GB/s${p.bandwidthPreset ? ` (${p.bandwidthPreset})` : ''}: ${humanBytes(p.bytesPerDecodeStep)} read per step`);
  return out.join('\n');
}
