import { PASS_NAMES } from '../core/passes/registry';
import { BENCH_MODEL_USAGE } from '../core/runtime/cliHook';

export const USAGE = `usage: modellens <command> [options]

commands:
  analyze FILE [--json] [--dim NAME=VALUE]... [--sort params|macs|flops] [--top N] [--context N] [--kv-dtype T]
      per-layer parameters, MACs, FLOPs and memory of an ONNX, Keras or LLM model (config.json, safetensors
      folder/index/shard); LLMs add params (total/active), KV cache, prefill and decode cost
  plan FILE --memory SIZE [--context N] [--batch N] [--kv-dtype T] [--weight-dtype T] [--bandwidth RATE|DEVICE] [--json]
      memory plan of an LLM (weights + KV cache + activations), largest context that fits, decode tokens/s bound;
      T: fp32, fp16, bf16, fp8, int8, int4, q8_0, q4_0; DEVICE: rtx3090, rtx4090, a100-40gb, a100-80gb, h100-sxm, h100-pcie, m2-ultra, m3-max, ddr5-5600-2ch
  suggest FILE [--json] [--dim NAME=VALUE]...
      ranked optimization suggestions: pass, layers, kind, Δparams, ΔMACs, Δweight bytes, measured error
  optimize FILE --pass NAME --out OUT [--ratio R | --rank K | --bits B | --energy E] [--layers a,b] [--inputs DIR] [--activation-aware] [--json] [--dim NAME=VALUE]...
      apply one pass (ONNX, Keras JSON / tfjs model.json, .keras, .h5) and write OUT (never the input file); passes: ${PASS_NAMES.join(', ')}
      --activation-aware (low-rank, ONNX): factor W whitened by the calibration inputs' activations (E[x·xᵀ])
      ONNX: the output error on data (max |Δ|, relative L2, top-1/top-5 agreement) on DIR's .npy/.pb inputs, else 4 seeded random inputs
${BENCH_MODEL_USAGE}
  help
      this text

exit status: 0 success, 1 the file cannot be analysed (one line on stderr), 2 bad usage`;

/** The usage lines of one command (for `modellens COMMAND --help`), or undefined for an unknown one. */
export function commandUsage(command: string): string | undefined {
  const lines = USAGE.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`  ${command} `) || l === `  ${command}`);
  if (i < 0) return undefined;
  let j = i + 1;
  while (j < lines.length && lines[j].startsWith('      ')) j++;
  return `usage: modellens${lines.slice(i, j).join('\n').replace(/^ +/, ' ')}`;
}

/** A command-line mistake: printed with the usage, exit status 2. */
export class UsageError extends Error {}
