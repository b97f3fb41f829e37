import { PASS_NAMES } from '../core/passes/registry';
import { BENCH_MODEL_USAGE } from '../core/runtime/cliHook';

export const USAGE = `usage: modellens <command> [options]

commands:
  analyze FILE [--json] [--dim NAME=VALUE]... [--sort params|macs|flops] [--top N]
      per-layer parameters, MACs, FLOPs and memory of an ONNX or Keras model
  suggest FILE [--json] [--dim NAME=VALUE]...
      ranked optimization suggestions: pass, layers, kind, Δparams, ΔMACs, Δweight bytes, measured error
  optimize FILE --pass NAME --out OUT [--ratio R | --rank K | --bits B | --energy E] [--layers a,b] [--json] [--dim NAME=VALUE]...
      apply one pass (ONNX) and write OUT (never the input file); passes: ${PASS_NAMES.join(', ')}
${BENCH_MODEL_USAGE}
  help
      this text

exit status: 0 success, 1 the file cannot be analysed (one line on stderr), 2 bad usage`;

/** A command-line mistake: printed with the usage, exit status 2. */
export class UsageError extends Error {}
