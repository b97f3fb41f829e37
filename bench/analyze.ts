// `npm run bench`: for each model, wall time and peak RSS of load+analyze next to the file size and the
// time it takes just to read the file's bytes (the bar a lazy reader must stay far under).
// Usage: npm run bench -- [FILE[:dim=v,dim=v]]...   (default: the shared ONNX models + $MODELLENS_BIG_MODELS)
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const sharedOnnx = path.resolve(root, '..', 'shared', 'models', 'onnx');
const DEFAULT_DIMS: Record<string, string[]> = { 'tiny_bert_dynamic.onnx': ['batch=1', 'sequence=128'] };

interface Job {
  file: string;
  dims: string[];
}

function jobsFromArgs(args: string[]): Job[] {
  if (args.length) {
    return args.map((a) => {
      const [file, dims] = a.split(/:(?=[^/]*=)/);
      return { file: path.resolve(file), dims: dims ? dims.split(',') : [] };
    });
  }
  const files: string[] = [];
  if (existsSync(sharedOnnx)) files.push(...readdirSync(sharedOnnx).filter((f) => f.endsWith('.onnx')).map((f) => path.join(sharedOnnx, f)));
  for (const extra of (process.env.MODELLENS_BIG_MODELS ?? '').split(path.delimiter).filter(Boolean)) files.push(path.resolve(extra));
  return files.map((file) => ({ file, dims: DEFAULT_DIMS[path.basename(file)] ?? [] }));
}

/** Sequentially reads every byte once (the external data file too), as a full-reading parser must. */
function readAllMs(file: string): number {
  const t0 = process.hrtime.bigint();
  const buf = Buffer.allocUnsafe(8 << 20);
  for (const f of [file, `${file}.data`].filter(existsSync)) {
    const fd = openSync(f, 'r');
    try {
      while (readSync(fd, buf, 0, buf.length, null) > 0);
    } finally {
      closeSync(fd);
    }
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function mib(n: number): string {
  return `${(n / 2 ** 20).toFixed(1)} MiB`;
}

function main(): void {
  const jobs = jobsFromArgs(process.argv.slice(2));
  const rows: string[][] = [];
  for (const job of jobs) {
    const size = statSync(job.file).size + (existsSync(`${job.file}.data`) ? statSync(`${job.file}.data`).size : 0);
    const readMs = readAllMs(job.file);
    const t0 = process.hrtime.bigint();
    const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'measure-analyze.ts'), job.file, ...job.dims], { cwd: root, encoding: 'utf8' });
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const r = JSON.parse(out.trim().split('\n').pop()!);
    rows.push([
      path.basename(job.file),
      mib(size),
      `${readMs.toFixed(1)} ms`,
      `${(r.loadMs + r.analyzeMs).toFixed(1)} ms`,
      `${r.loadMs.toFixed(1)} / ${r.analyzeMs.toFixed(1)}`,
      `${wallMs.toFixed(0)} ms`,
      mib(r.maxRssBytes),
      `${((100 * r.maxRssBytes) / size).toFixed(0)}%`,
    ]);
  }
  const header = ['model', 'file size', 'read bytes', 'load+analyze', 'load / analyze ms', 'process wall', 'peak RSS', 'RSS/size'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  console.log('read bytes = one sequential read of the file (and its .data); process wall includes Node + tsx start-up (~0.3 s).');
}

main();
