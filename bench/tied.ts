// `npm run bench` (or `node --import tsx bench/tied.ts`): the tied-weight search on GPT-2 small as torch
// exports it (lm_head a transposed copy of wte, test/unit/analysis/gpt2Tied.ts): analysis wall time with
// and without the search, peak RSS, and how many tensors were sampled and compared in full.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeModel } from '../src/core/analysis/analyze';
import { readOnnx } from '../src/core/formats/onnx/reader';
import { writeTiedGpt2 } from '../test/unit/analysis/gpt2Tied';

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'modellens-bench-tied-'));
  try {
    const file = writeTiedGpt2(dir);
    const m = await readOnnx(file);
    const time = (tied: boolean) => {
      const t0 = process.hrtime.bigint();
      const a = analyzeModel(m, { dims: { sequence: 8 }, tiedWeights: tied });
      return { a, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
    };
    const off = time(false);
    const on = time(true);
    const t = on.a.details.tiedWeights;
    console.log(`GPT-2 small (tied lm_head, 326 MB float16): analysis ${off.ms.toFixed(0)} ms without the tied-weight search, ${on.ms.toFixed(0)} ms with it; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    console.log(`  params ${off.a.totals.params.toLocaleString('en-US')} stored -> ${on.a.totals.params.toLocaleString('en-US')} unique; ${t?.search.candidates} candidates, ${t?.search.sampled} sampled, ${t?.search.fullChecks} compared in full; pairs: ${t?.pairs.map((p) => `${p.copy} = ${p.relation}(${p.kept})`).join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
