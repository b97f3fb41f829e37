import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { optimize, suggest, type OptimizeResult } from '../core/apply/api';
import { PASS_NAMES } from '../core/passes/registry';
import type { Count } from '../core/analysis/types';
import type { KnobName, KnobValues, Suggestion } from '../core/passes/types';
import { parseDims } from './analyzeCommand';
import { optimizeKeras } from '../core/apply/optimizeKeras';
import { dataError, type DataError } from '../core/runtime/dataError';
import { grouped, human, humanBytes, table, terminalText } from './format';
import { UsageError } from './usage';
import { maxOf } from '../core/arrays';

function parse(argv: string[], options: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export interface SuggestArgs {
  file: string;
  json: boolean;
  dims: Record<string, number>;
}

export function parseSuggestArgs(argv: string[]): SuggestArgs {
  const { values, positionals } = parse(argv, { json: { type: 'boolean', default: false }, dim: { type: 'string', multiple: true, default: [] } });
  if (positionals.length !== 1) throw new UsageError(`suggest takes exactly one FILE (got ${positionals.length})`);
  return { file: positionals[0], json: Boolean(values.json), dims: parseDims((values.dim as string[]) ?? []) };
}

function signed(c: Count, f: (n: Count) => string): string {
  if (typeof c !== 'number') return c;
  return c > 0 ? `+${f(c)}` : c < 0 ? `-${f(-c)}` : '0';
}

export function renderSuggestions(list: Suggestion[], file: string): string {
  if (list.length === 0) return `No suggestions for ${file}.`;
  const rows = list.map((s, i) => [
    String(i + 1),
    s.pass,
    s.layers.length > 3 ? `${s.layers.slice(0, 3).join(', ')} (+${s.layers.length - 3})` : s.layers.join(', '),
    s.kind,
    signed(s.delta.params, grouped),
    signed(s.delta.macs, (n) => human(n)),
    signed(s.delta.weightBytes, humanBytes),
    s.error ? `${(100 * s.error.value).toFixed(2)}%` : '-',
  ]);
  return [`Suggestions for ${file} (largest savings first):`, '', table(['#', 'Pass', 'Layers', 'Kind', 'Δparams', 'ΔMACs', 'Δweight bytes', 'Error'], rows, ['r', 'l', 'l', 'l', 'r', 'r', 'r', 'r'])].join('\n');
}

export async function runSuggest(args: SuggestArgs): Promise<string> {
  const list = await suggest(args.file, { dims: args.dims });
  return args.json ? JSON.stringify(list, null, 2) : terminalText(renderSuggestions(list, args.file));
}

export interface OptimizeArgs {
  file: string;
  pass: string;
  knobs: KnobValues;
  layers?: string[];
  out: string;
  json: boolean;
  dims: Record<string, number>;
  /** Calibration inputs folder (.npy / .pb) for the error on data; else seeded random inputs. */
  inputs?: string;
  /** low-rank: whiten by the calibration activations' second moment (ASVD / SVD-LLM style). */
  activationAware?: boolean;
}

const KNOBS: KnobName[] = ['ratio', 'rank', 'bits', 'energy'];

export function parseOptimizeArgs(argv: string[]): OptimizeArgs {
  const { values, positionals } = parse(argv, {
    json: { type: 'boolean', default: false },
    dim: { type: 'string', multiple: true, default: [] },
    pass: { type: 'string' },
    ratio: { type: 'string' },
    rank: { type: 'string' },
    bits: { type: 'string' },
    energy: { type: 'string' },
    layers: { type: 'string' },
    out: { type: 'string' },
    inputs: { type: 'string' },
    'activation-aware': { type: 'boolean', default: false },
  });
  if (positionals.length !== 1) throw new UsageError(`optimize takes exactly one FILE (got ${positionals.length})`);
  const file = positionals[0];
  const pass = values.pass as string | undefined;
  if (!pass) throw new UsageError(`optimize needs --pass NAME (passes: ${PASS_NAMES.join(', ')})`);
  if (!(PASS_NAMES as readonly string[]).includes(pass)) throw new UsageError(`unknown pass "${pass}" (passes: ${PASS_NAMES.join(', ')})`);
  const out = values.out as string | undefined;
  if (!out) throw new UsageError('optimize needs --out OUT (ModelLens never overwrites the input file)');
  if (sameFile(file, out)) throw new UsageError(`--out ${out} is the input file; ModelLens never overwrites the original`);
  const knobs: KnobValues = {};
  for (const k of KNOBS) {
    const v = values[k] as string | undefined;
    if (v === undefined) continue;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${k} expects a number (got "${v}")`);
    knobs[k] = n;
  }
  const layersText = values.layers as string | undefined;
  const layers = layersText === undefined ? undefined : layersText.split(',').map((s) => s.trim()).filter(Boolean);
  return { file, pass, knobs, layers, out, json: Boolean(values.json), dims: parseDims((values.dim as string[]) ?? []), ...(values.inputs ? { inputs: values.inputs as string } : {}), activationAware: Boolean(values['activation-aware']) };
}

/** True when both paths name the same file (also through symlinks / different spellings). */
function sameFile(a: string, b: string): boolean {
  const ra = path.resolve(a);
  const rb = path.resolve(b);
  if (ra === rb) return true;
  try {
    return existsSync(ra) && existsSync(rb) && realpathSync(ra) === realpathSync(rb);
  } catch {
    return false;
  }
}

export type OptimizeReport = OptimizeResult & { dataError?: DataError; dataErrorUnavailable?: string };

export function renderOptimize(r: OptimizeReport, file: string): string {
  const d = r.delta;
  const out = [
    `${r.pass} on ${file} -> ${r.outFile} (${r.layers.length} layer${r.layers.length === 1 ? '' : 's'}, ${r.seconds.toFixed(2)} s)`,
    `  Δparams:        ${signed(d.params, grouped)}`,
    `  ΔMACs:          ${signed(d.macs, (n) => human(n))}`,
    `  Δweight bytes:  ${signed(d.weightBytes, humanBytes)}`,
  ];
  if (Object.keys(r.knobs).length) out.push(`  knobs:          ${Object.entries(r.knobs).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (r.errors.length) {
    const worst = maxOf(r.errors.map((e) => e.relError));
    out.push(`  weight error:   worst ${(100 * worst).toFixed(2)}% over ${r.errors.length} layer(s)`);
  }
  if (r.dataError) {
    const d = r.dataError;
    out.push(`  error on data:  ${d.note} (${d.samples} sample${d.samples === 1 ? '' : 's'}${d.seed !== undefined ? `, seed ${d.seed}` : ''})`);
    for (const o of d.outputs) {
      const top = o.top1 !== undefined ? `, top-1 agreement ${(100 * o.top1).toFixed(0)}%, top-5 ${(100 * o.top5!).toFixed(0)}% of ${o.rows} rows` : '';
      out.push(`    ${o.name}: max |Δ| ${o.maxAbs.toPrecision(3)}, relative L2 ${(100 * o.relL2).toFixed(2)}%${top}`);
    }
  } else if (r.dataErrorUnavailable) out.push(`  error on data:  not measured: ${r.dataErrorUnavailable}`);
  return out.join('\n');
}

export async function runOptimize(args: OptimizeArgs): Promise<string> {
  const keras = /\.(json|keras|h5|hdf5)$/i.test(args.file);
  if (args.activationAware && (keras || args.pass !== 'low-rank')) throw new UsageError('--activation-aware applies to low-rank on ONNX models');
  const r: OptimizeReport = keras
    ? await optimizeKeras(args.file, args.pass, args.knobs, args.layers, args.out, { dims: args.dims })
    : await optimize(args.file, args.pass, args.knobs, args.layers, args.out, { dims: args.dims, ...(args.activationAware ? { activationAware: { inputsDir: args.inputs } } : {}) });
  if (!keras) {
    // Both files through ONNX Runtime on the same inputs. A model ORT cannot run still got written: say why.
    try {
      r.dataError = await dataError(args.file, args.out, { dims: args.dims, inputsDir: args.inputs });
    } catch (e) {
      if (args.inputs) throw e;
      r.dataErrorUnavailable = String((e as Error)?.message ?? e).split('\n')[0];
    }
  } else if (args.inputs) r.dataErrorUnavailable = '--inputs applies to ONNX models (Keras runs in TensorFlow.js: see bench-model)';
  return args.json ? JSON.stringify(r, null, 2) : terminalText(renderOptimize(r, args.file));
}
