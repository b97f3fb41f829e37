import { parseArgs } from 'node:util';
import { benchModel } from './bench';
import { deviceProfile } from './calibrate';
import { formatBench } from './formatBench';
import type { BenchOptions } from './types';

export const BENCH_MODEL_USAGE = `  bench-model FILE [--runs N] [--warmup N] [--dim NAME=VALUE]... [--threads N] [--no-per-node] [--no-estimate] [--recalibrate] [--json]
      run the model on seeded random inputs (ONNX: onnxruntime-node CPU; Keras JSON: TensorFlow.js):
      median/p90 latency, memory, measured time per node, roofline estimate vs measured
      (--recalibrate re-measures the cached device profile)`;

/** A command-line mistake in bench-model arguments; the CLI prints it with the usage (exit 2). */
export class BenchArgsError extends Error {}

export interface BenchModelArgs {
  file: string;
  json: boolean;
  runs: number;
  warmup: number;
  dims: Record<string, number>;
  threads?: number;
  perNode: boolean;
  estimate: boolean;
  recalibrate: boolean;
  /** Node rows in the text output (the JSON always has all). */
  top: number;
}

export function parseBenchModelArgs(argv: string[]): BenchModelArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        runs: { type: 'string' },
        warmup: { type: 'string' },
        dim: { type: 'string', multiple: true, default: [] },
        threads: { type: 'string' },
        top: { type: 'string' },
        'no-per-node': { type: 'boolean', default: false },
        'no-estimate': { type: 'boolean', default: false },
        recalibrate: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    throw new BenchArgsError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new BenchArgsError(`bench-model takes exactly one FILE (got ${positionals.length})`);
  const dims: Record<string, number> = {};
  for (const s of values.dim ?? []) {
    const m = /^(.+)=(\d+)$/.exec(s);
    if (!m || Number(m[2]) < 1) throw new BenchArgsError(`--dim expects NAME=VALUE with a positive integer VALUE (got "${s}")`);
    dims[m[1]] = Number(m[2]);
  }
  return {
    file: positionals[0],
    json: values.json ?? false,
    runs: posInt('--runs', values.runs, 20, 1),
    warmup: posInt('--warmup', values.warmup, 3, 0),
    dims,
    threads: values.threads === undefined ? undefined : posInt('--threads', values.threads, 1, 1),
    perNode: !values['no-per-node'],
    estimate: !values['no-estimate'],
    recalibrate: values.recalibrate ?? false,
    top: posInt('--top', values.top, 15, 0),
  };
}

function posInt(flag: string, v: string | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new BenchArgsError(`${flag} expects an integer ≥ ${min} (got "${v}")`);
  return Number(v);
}

/**
 * `modellens bench-model` for the lead's CLI: returns the text to print. Errors are ModelErrors
 * (bad or unrunnable model: one line, exit 1) or BenchArgsError (usage, exit 2).
 *
 * --json prints the BenchResult object (src/core/runtime/types.ts) as is:
 *   { file, format: "onnx"|"keras", runtime: "onnxruntime-node"|"tfjs", backend: "cpu"|"wasm"|"tensorflow",
 *     backendNotes: string[], inputs: [{ name, dtype, shape: number[] }], warmup: number,
 *     latency: { runsMs: number[], medianMs, p90Ms, meanMs, minMs, maxMs },
 *     memory: { rssBeforeBytes, rssPeakDeltaBytes, ortArenaPeakBytes?, tfjsPeakBytes?, note },
 *     perNode?: { method, runs, kernelTotalMs, nodes: [{ id, opType, ms, kernels: string[], fused?: string[] }],
 *                 unmapped: [{ kernel, opType, ms }], noKernel: string[] },
 *     roofline?: { estimatedMs, relativeError?, staleProfile?, uncosted,
 *                  device: { macsPerSecond, bytesPerSecond, method, cpu, threads, measuredAt },
 *                  nodes: [{ id, opType, macs, bytes, estimatedMs, bound: "compute"|"memory", measuredMs? }] },
 *     fileBytes, loadMs, warnings: string[] }
 * Times are milliseconds, sizes bytes; node ids are the Analysis layer ids (ONNX node names).
 */
export async function runBenchModelCommand(args: BenchModelArgs, extra: Pick<BenchOptions, 'signal' | 'onProgress' | 'profileCache'> = {}): Promise<string> {
  const device = args.estimate && args.recalibrate ? await deviceProfile({ threads: args.threads, cache: extra.profileCache, force: true, signal: extra.signal }) : undefined;
  const r = await benchModel(args.file, {
    runs: args.runs,
    warmup: args.warmup,
    dims: args.dims,
    threads: args.threads,
    perNode: args.perNode,
    roofline: args.estimate ? (device ?? 'auto') : false,
    ...extra,
  });
  return args.json ? JSON.stringify(r, null, 2) : formatBench(r, args.top);
}
