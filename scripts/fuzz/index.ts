// npm run fuzz -- --cases N --seed S [--case ID] [--workers W] [--timeout MS] [--cli-every K] [--large]
import { parseArgs } from 'node:util';
import { runFuzz } from './run';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    case: { type: 'string' },
    workers: { type: 'string' },
    timeout: { type: 'string', default: '20000' },
    'cli-every': { type: 'string', default: '100' },
    large: { type: 'boolean', default: true },
    small: { type: 'boolean', default: false },
  },
});
const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));

runFuzz({
  cases: num(values.cases)!,
  seed: num(values.seed)!,
  only: num(values.case),
  workers: num(values.workers),
  timeoutMs: num(values.timeout),
  cliEvery: num(values['cli-every']),
  large: values.large && !values.small,
  onProgress: (d, n) => {
    if (process.stderr.isTTY && (d % 50 === 0 || d === n)) process.stderr.write(`\r${d}/${n}`);
  },
}).then((s) => {
  if (process.stderr.isTTY) process.stderr.write('\n');
  for (const c of s.crashes) console.log(`crash: case ${c.id} (${c.via}) ${c.label}: ${c.message}  [repro: npm run fuzz -- --seed ${values.seed} --case ${c.id}]`);
  for (const h of s.hangs) console.log(`hang: case ${h.id} (${h.via}) ${h.label}  [repro: npm run fuzz -- --seed ${values.seed} --case ${h.id}]`);
  console.log(s.line);
  process.exitCode = s.crashes.length || s.hangs.length ? 1 : 0;
});
