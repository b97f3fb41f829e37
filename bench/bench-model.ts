// `node --import tsx bench/bench-model.ts [--runs N] [--threads N] [--recalibrate] [--json]`: measured vs roofline-
// estimated latency for shared models, the calibrated device profile, and the measured effect of
// compressions (ModelLens passes: low-rank, quantize-int8, cleanup; ORT's own basic rewrite; float16
// weights) on latency, size and outputs.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { analyzeModel } from '../src/core/analysis/analyze';
import { loadModel } from '../src/core/formats';
import { writeOnnx } from '../src/core/formats/onnx/writer';
import { cleanup } from '../src/core/passes/cleanup';
import { lowRank } from '../src/core/passes/lowRank';
import { quantizeInt8 } from '../src/core/passes/quantize';
import type { Pass } from '../src/core/passes/types';
import { benchModel, compareModels, deviceProfile } from '../src/core/runtime';
import type { BenchResult, CompareResult } from '../src/core/runtime/types';

const onnxDir = path.resolve(__dirname, '..', '..', 'shared', 'models', 'onnx');
const kerasDir = path.resolve(__dirname, '..', '..', 'shared', 'models', 'keras');

const MODELS: { file: string; dims?: Record<string, number> }[] = [
  { file: path.join(onnxDir, 'squeezenet1_0.onnx') },
  { file: path.join(onnxDir, 'mobilenet_v3_small.onnx') },
  { file: path.join(onnxDir, 'tiny_bert_dynamic.onnx'), dims: { batch: 1, sequence: 128 } },
  { file: path.join(kerasDir, 'tfjs_k2_tensorspace_mobilenetv1.json') },
];

async function ortBasicCopy(src: string, dir: string): Promise<string> {
  const dst = path.join(dir, `ort-basic-${path.basename(src)}`);
  const s = await ort.InferenceSession.create(src, { graphOptimizationLevel: 'basic', optimizedModelFilePath: dst, logSeverityLevel: 3 });
  await s.release();
  return dst;
}

/** Applies every suggestion of a ModelLens pass at its default knobs and writes the result as ONNX. */
async function passCopy(pass: Pass, src: string, dir: string): Promise<string> {
  let model = await loadModel(src);
  const suggestions = await pass.find(model, analyzeModel(model));
  if (suggestions.length === 0) throw new Error(`${pass.name} finds nothing in ${path.basename(src)}`);
  for (const s of suggestions) model = await pass.rewrite(model, s, s.at, { withWeights: true });
  const dst = path.join(dir, `${pass.name}-${path.basename(src)}`);
  await writeOnnx(model, dst);
  return dst;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const f = (x: number, d = 2) => x.toFixed(d);
const pct = (x: number) => `${x >= 0 ? '+' : ''}${f(x * 100, 0)}%`;

async function main(): Promise<void> {
  const runs = Number(arg('--runs') ?? 30);
  const json = process.argv.includes('--json');
  const threads = arg('--threads') ? Number(arg('--threads')) : undefined;
  const device = await deviceProfile({ threads, force: process.argv.includes('--recalibrate') });
  const results: BenchResult[] = [];
  const rows: BenchResult[] = [];
  const log = (s: string) => !json && console.log(s);
  log(`device: ${f(device.macsPerSecond / 1e9, 1)} GMAC/s, ${f(device.bytesPerSecond / 1e9, 1)} GB/s (${device.method}; ${device.cpu}, measured ${device.measuredAt})`);
  log(`load average: ${os.loadavg().map((x) => f(x)).join(' ')} on ${os.cpus().length} CPUs\n`);
  log(`threads: ${threads ?? 'ORT default'}; error = (estimate - median) / median; min = fastest run (least disturbed by other load)\n`);
  log('model                                   runtime               median ms   p90 ms   min ms   estimate ms   error  vs min   kernels ms');
  for (const m of MODELS) {
    const r = await benchModel(m.file, { runs, warmup: 5, dims: m.dims, threads, roofline: device });
    results.push(r);
    const est = r.roofline;
    rows.push(r);
    log(`${path.basename(m.file).padEnd(40)}${`${r.runtime}/${r.backend}`.padEnd(22)}${f(r.latency.medianMs).padStart(9)}${f(r.latency.p90Ms).padStart(9)}${f(r.latency.minMs).padStart(9)}${(est ? f(est.estimatedMs) : '-').padStart(14)}${(est?.relativeError !== undefined ? pct(est.relativeError) : '-').padStart(8)}${(est ? pct((est.estimatedMs - r.latency.minMs) / r.latency.minMs) : '-').padStart(8)}${(r.perNode ? f(r.perNode.kernelTotalMs) : '-').padStart(13)}`);
  }
  log('\nslowest measured nodes (profiled mean) vs their roofline estimate:');
  for (const r of rows) {
    const est = new Map((r.roofline?.nodes ?? []).map((n) => [n.id, n]));
    const top = [...(r.perNode?.nodes ?? [])].sort((a, b) => b.ms - a.ms).slice(0, 3);
    log(`  ${path.basename(r.file)}: ${top.map((n) => `${n.opType} ${f(n.ms, 3)} ms (est ${est.get(n.id) ? `${f(est.get(n.id)!.estimatedMs, 3)} ms, ${est.get(n.id)!.bound}-bound` : '-'})`).join('; ')}`);
  }
  log('');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'modellens-bench-'));
  const shared = (f: string) => path.join(onnxDir, f);
  const pairs: [string, string, () => Promise<string>][] = [
    ['low-rank pass (default ratio 0.25, every site)', shared('mobilenet_v3_small.onnx'), () => passCopy(lowRank, shared('mobilenet_v3_small.onnx'), dir)],
    ['low-rank pass (default ratio 0.25, every site)', shared('tiny_bert_op17.onnx'), () => passCopy(lowRank, shared('tiny_bert_op17.onnx'), dir)],
    ['quantize-int8 pass (weights, per channel)', shared('mobilenet_v3_small.onnx'), () => passCopy(quantizeInt8, shared('mobilenet_v3_small.onnx'), dir)],
    ['cleanup pass (fold shape computations)', shared('shufflenet_v2_x1_0.onnx'), () => passCopy(cleanup, shared('shufflenet_v2_x1_0.onnx'), dir)],
    ['cleanup pass (fold shape computations)', shared('tiny_bert_op17.onnx'), () => passCopy(cleanup, shared('tiny_bert_op17.onnx'), dir)],
    ['ORT basic rewrite (its own folding/fusions)', shared('shufflenet_v2_x1_0.onnx'), () => ortBasicCopy(shared('shufflenet_v2_x1_0.onnx'), dir)],
    ['float16 weights and I/O (shared file)', shared('mobilenet_v3_small.onnx'), async () => shared('mobilenet_v3_small_fp16.onnx')],
  ];


  const comparisons: (CompareResult & { pass: string })[] = [];
  log('compression                                      model                      before ms  after ms  speedup  size before -> after   max|Δ|     rel L2   load ms before -> after');
  for (const [pass, src, make] of pairs) {
    const dst = await make();
    // The after-model of the fp16 pair has float16 inputs: the same seeded values, rounded to half.
    // Passes apply every suggestion at its default knobs (no fine-tuning; weights are random).
    const c = await compareModels(src, dst, { runs, warmup: 5, threads, perNode: false, roofline: false });
    comparisons.push({ ...c, pass });
    const o = c.outputs[0];
    log(`${pass.padEnd(49)}${path.basename(src).padEnd(27)}${f(c.before.latency.medianMs).padStart(9)}${f(c.after.latency.medianMs).padStart(10)}${`${f(c.speedup)}x`.padStart(9)}  ${`${f(c.sizeBefore / 2 ** 20)} -> ${f(c.sizeAfter / 2 ** 20)} MiB`.padEnd(20)}${o.maxAbs.toExponential(2).padStart(10)}${o.relL2.toExponential(2).padStart(11)}   ${f(c.before.loadMs, 0)} -> ${f(c.after.loadMs, 0)}`);
  }
  if (json) console.log(JSON.stringify({ device, results, comparisons }, null, 2));
}

main().catch((e) => {
  console.error(`error: ${(e as Error).message}`);
  process.exitCode = 1;
});
