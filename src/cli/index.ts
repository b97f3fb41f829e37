import { main } from './main';

main(process.argv.slice(2), (s) => process.stdout.write(s + '\n'), (s) => process.stderr.write(s + '\n')).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`error: internal error: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
