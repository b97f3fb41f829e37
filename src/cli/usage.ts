export const USAGE = `usage: modellens <command> [options]

commands:
  analyze FILE [--json] [--dim NAME=VALUE]... [--sort params|macs|flops] [--top N]
      per-layer parameters, MACs, FLOPs and memory of an ONNX or Keras model
  help
      this text

exit status: 0 success, 1 the file cannot be analysed (one line on stderr), 2 bad usage`;

/** A command-line mistake: printed with the usage, exit status 2. */
export class UsageError extends Error {}
