// Pass timings: low-rank factorization of every Gemm/MatMul of a VGG-sized model, weights included
// (randomized SVD on TensorFlow.js), through the same `optimize` the CLI uses, file to file.
// Usage: node --import tsx bench/passes.ts [MODEL.onnx] [--ratio R]
//   default model: .cache/reference-models/vgg11_bn.onnx (npm test exports it: VGG's 25088→4096→4096→1000
//   classifier, 132.9M params, 507 MiB); without it, VGG-16's classifier built in memory.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { optimize } from '../src/core/apply/api';
import { benchLowRankVgg } from '../src/core/passes/benchLowRank';
import { tensorBackendName } from '../src/core/tensor/backend';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { ratio: { type: 'string', default: '0.25' } } });
const ratio = Number(values.ratio);
const root = path.resolve(__dirname, '..');
const file = positionals[0] ? path.resolve(positionals[0]) : path.join(root, '.cache/reference-models/vgg11_bn.onnx');

async function main(): Promise<void> {
  const backend = await tensorBackendName();
  let progress = 0;
  const onProgress = () => void progress++;
  if (existsSync(file)) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'modellens-bench-'));
    try {
      const out = path.join(dir, 'low-rank.onnx');
      const r = await optimize(file, 'low-rank', { ratio }, undefined, out, { onProgress });
      const worst = Math.max(...r.errors.map((e) => e.relError));
      console.log(`low-rank ${path.basename(file)} (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB, tfjs ${backend}): ${r.layers.length} layers at ratio ${ratio} in ${r.seconds.toFixed(1)} s file to file ` +
        `(${progress} progress reports); Δparams ${r.delta.params.toLocaleString('en-US')}, ΔMACs ${Number(r.delta.macs).toLocaleString('en-US')}, ` +
        `output ${(statSync(out).size / 2 ** 20).toFixed(0)} MiB, worst weight error ${(100 * worst).toFixed(1)}%`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    console.log(`(${file} not found: run bash scripts/test-deps.sh for the real VGG file; timing VGG-16's classifier in memory)`);
  }
  const b = await benchLowRankVgg(ratio, onProgress);
  console.log(`low-rank VGG-16 classifier in memory (tfjs ${backend}): ${b.layers.map((l) => `${l.m}×${l.n}`).join(', ')} at ratio ${ratio}: ` +
    `find ${b.findSeconds.toFixed(1)} s, rewrite with SVD ${b.rewriteSeconds.toFixed(1)} s; params ${b.paramsBefore.toLocaleString('en-US')} → ${b.paramsAfter.toLocaleString('en-US')}; ` +
    `errors ${b.errors.map((e) => `${e.layer} ${(100 * e.relError).toFixed(1)}%`).join(', ')}`);
}

main().catch((e) => {
  console.error(`bench passes: ${(e as Error).message}`);
  process.exit(1);
});
