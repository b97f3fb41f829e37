import { isModelError } from '../core/errors';
import { BenchArgsError, parseBenchModelArgs, runBenchModelCommand } from '../core/runtime/cliHook';
import { parseAnalyzeArgs, runAnalyze } from './analyzeCommand';
import { parsePlanArgs, runPlan } from './planCommand';
import { parseOptimizeArgs, parseSuggestArgs, runOptimize, runSuggest } from './passCommands';
import { USAGE, UsageError, commandUsage } from './usage';
import { printable } from '../core/formats/modelFiles';

/** Runs the CLI; returns the exit status. Output goes through the given writers (tests capture them). */
export async function main(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const [command, ...rest] = argv;
  let file = '';
  try {
    // `modellens COMMAND --help`: that command's usage, exit 0 (before any option parsing).
    if (command && (rest.includes('--help') || rest.includes('-h'))) {
      const u = commandUsage(command);
      if (u) {
        out(u);
        return 0;
      }
    }
    switch (command) {
      case 'analyze': {
        const args = parseAnalyzeArgs(rest);
        file = args.file;
        out(await runAnalyze(args));
        return 0;
      }
      case 'plan': {
        const args = parsePlanArgs(rest);
        file = args.file;
        out(await runPlan(args));
        return 0;
      }
      case 'suggest': {
        const args = parseSuggestArgs(rest);
        file = args.file;
        out(await runSuggest(args));
        return 0;
      }
      case 'optimize': {
        const args = parseOptimizeArgs(rest);
        file = args.file;
        out(await runOptimize(args));
        return 0;
      }
      case 'bench-model': {
        let args;
        try {
          args = parseBenchModelArgs(rest);
        } catch (e) {
          if (e instanceof BenchArgsError) throw new UsageError(e.message);
          throw e;
        }
        file = args.file;
        out(await runBenchModelCommand(args));
        return 0;
      }
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return 0;
      case undefined:
        throw new UsageError('no command given');
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`error: ${e.message}\n${USAGE}`);
      return 2;
    }
    if (isModelError(e)) {
      // The message names things from the file: control characters escaped so it stays one line.
      err(`error: ${printable(file, 1000)}: ${printable(e.message, 2000)}`);
      return 1;
    }
    // A bug, not a bad file: still one line for the user, with the detail behind an env var.
    if (process.env.MODELLENS_DEBUG) err(String((e as Error).stack));
    err(`error: ${printable(file || command, 1000)}: internal error: ${printable(oneLine((e as Error)?.message ?? String(e)), 2000)}`);
    return 1;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').slice(0, 500);
}
