// Child process of bench/analyze.ts: one fresh process per model, so peak RSS is this model's alone.
import { loadModel } from '../src/core/formats';
import { analyzeModel } from '../src/core/analysis/analyze';
import { parseDims } from '../src/cli/analyzeCommand';

async function run(): Promise<void> {
  const [file, ...dimSpecs] = process.argv.slice(2);
  const baseRss = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  const model = await loadModel(file);
  const t1 = process.hrtime.bigint();
  const analysis = analyzeModel(model, { dims: parseDims(dimSpecs) });
  const t2 = process.hrtime.bigint();
  process.stdout.write(
    JSON.stringify({
      loadMs: Number(t1 - t0) / 1e6,
      analyzeMs: Number(t2 - t1) / 1e6,
      baseRss,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      layers: analysis.layers.length,
      params: analysis.totals.params,
      macs: analysis.totals.macs,
    }) + '\n',
  );
}

run().catch((e) => {
  process.stderr.write(`error: ${file()}: ${(e as Error).message}\n`);
  process.exit(1);
});

function file(): string {
  return process.argv[2] ?? '';
}
