// Reader benchmark: wall time and peak RSS of readOnnx per model, each in a fresh process, next to the
// file size. Usage: node --import tsx bench/onnx-read.ts [FILE...]
// (default: the shared ONNX models, plus $MODELLENS_BIG_MODELS, plus /tmp/modellens-big/*.onnx made by
// scripts/make-big-onnx.ts). `benchOnnxRead(files)` returns the rows for `npm run bench`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface OnnxReadRow {
  file: string;
  fileBytes: number;
  /** First read in a fresh process (what opening a model costs). */
  ms: number;
  /** The same read again, code warmed up. */
  warmMs: number;
  /** Peak resident set of the whole process (Node itself is ~50 MiB of it). */
  peakRssBytes: number;
  /** RSS right after reading minus RSS just before: what the open model holds. */
  rssGrowthBytes: number;
  /** Bytes the reader read from the model file. */
  readBytes: number;
  nodes: number;
  initializers: number;
}

const root = path.resolve(__dirname, '..');

export function defaultBenchFiles(): string[] {
  const shared = path.resolve(root, '..', 'shared', 'models', 'onnx');
  const files = existsSync(shared) ? readdirSync(shared).filter((f) => f.endsWith('.onnx')).map((f) => path.join(shared, f)) : [];
  for (const extra of (process.env.MODELLENS_BIG_MODELS ?? '').split(path.delimiter).filter(Boolean)) files.push(path.resolve(extra));
  const big = '/tmp/modellens-big';
  if (existsSync(big)) files.push(...readdirSync(big).filter((f) => f.endsWith('.onnx')).map((f) => path.join(big, f)));
  return files;
}

export function benchOnnxRead(files: string[] = defaultBenchFiles()): OnnxReadRow[] {
  return files.map((file) => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--measure', file], { cwd: root, encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').pop()!) as OnnxReadRow;
  });
}

async function measure(file: string): Promise<void> {
  const { readOnnx } = await import('../src/core/formats/onnx/reader');
  const base = process.memoryUsage().rss;
  let readBytes = 0;
  const t0 = process.hrtime.bigint();
  const m = await readOnnx(file, { onRead: (_, l) => { readBytes += l; } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const after = process.memoryUsage().rss;
  const t1 = process.hrtime.bigint();
  await readOnnx(file);
  const warmMs = Number(process.hrtime.bigint() - t1) / 1e6;
  const peak = process.resourceUsage().maxRSS * 1024;
  const row: OnnxReadRow = {
    file, fileBytes: statSync(file).size, ms, warmMs, peakRssBytes: peak, rssGrowthBytes: Math.max(0, after - base), readBytes,
    nodes: m.graph.nodes.length, initializers: m.graph.initializers.size,
  };
  console.log(JSON.stringify(row));
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args[0] === '--measure') {
    measure(args[1]).catch((e) => {
      console.error(e);
      process.exit(1);
    });
  } else {
    const rows = benchOnnxRead(args.length ? args.map((a) => path.resolve(a)) : undefined);
    const table = [['model', 'file', 'read by reader', 'wall (cold)', 'wall (warm)', 'peak RSS', 'RSS growth', 'nodes']];
    for (const r of rows) {
      table.push([path.basename(r.file), mib(r.fileBytes), mib(r.readBytes), `${r.ms.toFixed(0)} ms`, `${r.warmMs.toFixed(1)} ms`, mib(r.peakRssBytes), mib(r.rssGrowthBytes), String(r.nodes)]);
    }
    const w = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    for (const r of table) console.log(r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  '));
  }
}
