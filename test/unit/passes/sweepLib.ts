import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { readOnnxFile } from '../../../src/core/formats/onnx/reader';
import { writeOnnx } from '../../../src/core/formats/onnx/writer';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { combine } from '../../../src/core/apply/api';
import { allPasses } from '../../../src/core/passes/registry';
import type { Model } from '../../../src/core/ir/graph';
import { createSession, ortReason, runSession, toFeeds } from '../../../src/core/runtime/ortSession';
import { indexBounds, randomInputs, resolveInputShapes } from '../../../src/core/runtime/inputs';
import { onnxChecker } from './helpers';

export interface SweepRow {
  model: string;
  pass: string;
  /** 'ok' | 'none' (pass found nothing) | error text. */
  status: string;
  checker?: string;
  ort?: string;
  initDtypes?: string;
}

/** Dims the shared models leave symbolic. */
export const SWEEP_DIMS: Record<string, number> = { batch: 1, sequence: 16, batch_size: 1 };

/** Converts an fp32 ONNX file to fp16 (initializers, Constant values, I/O, Cast targets) with python3-onnx. */
export function toFp16(src: string, dst: string): string | undefined {
  const script = path.join(__dirname, 'tofp16.py');
  const r = spawnSync('/usr/bin/python3', [script, src, dst], { encoding: 'utf8' });
  return r.status === 0 ? undefined : (r.stderr || r.stdout).trim().split('\n').slice(-1)[0];
}

export async function ortLoadsAndRuns(file: string): Promise<string> {
  try {
    const m = readOnnxFile(file);
    const specs = resolveInputShapes(m.graph.inputs, SWEEP_DIMS);
    const feeds = toFeeds(randomInputs(specs, 7, indexBounds(m.graph)));
    const s = await createSession(file, { threads: 1 });
    try {
      await runSession(s, feeds);
    } finally {
      await s.release();
    }
    return '';
  } catch (e) {
    return ortReason(e);
  }
}

/** Every pass, all its candidates at once, with weights: written, checked, and run. */
export async function sweepModel(file: string, outDir: string, label = path.basename(file, '.onnx')): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  const m: Model = readOnnxFile(file);
  const a = analyzeModel(m, { dims: SWEEP_DIMS });
  for (const p of allPasses) {
    const row: SweepRow = { model: label, pass: p.name, status: 'ok' };
    rows.push(row);
    try {
      const found = await p.find(m, a, { dims: SWEEP_DIMS });
      if (found.length === 0) {
        row.status = 'none';
        continue;
      }
      // cleanup keeps one kind per suggestion: apply each kind's suggestion on its own file.
      const groups = p.name === 'cleanup' ? found.map((s) => [s]) : [found];
      for (const [gi, grp] of groups.entries()) {
        const s = combine(grp, undefined, p.name);
        const out = await p.rewrite(m, s, s.at, { withWeights: true });
        const f = path.join(outDir, `${label}.${p.name}.${gi}.onnx`);
        await writeOnnx(out, f);
        const chk = onnxChecker(f);
        if (chk === undefined) throw new Error('python3-onnx is not installed (scripts/test-deps.sh)');
        const ort = await ortLoadsAndRuns(f);
        const back = readOnnxFile(f);
        row.initDtypes = [...new Set([...back.graph.initializers.values()].map((t) => t.dtype))].sort().join(',');
        if (chk) row.checker = (row.checker ? row.checker + '; ' : '') + chk;
        if (ort) row.ort = (row.ort ? row.ort + '; ' : '') + ort;
      }
      if (row.checker || row.ort) row.status = 'invalid';
    } catch (e) {
      row.status = `error: ${String((e as Error)?.message ?? e).split('\n')[0]}`;
    }
  }
  return rows;
}
