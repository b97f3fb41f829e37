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
  optimize FILE --pass NAME --out OUT [--ratio R | --rank K | --bits B | --energy E] [--layers a,b] [--json] [--dim NAME=VALUE]...
      apply one pass (ONNX) and write OUT (never the input file); passes: ${PASS_NAMES.join(', ')}
${BENCH_MODEL_USAGE}
  help
      this text

exit status: 0 success, 1 the file cannot be analysed (one line on stderr), 2 bad usage`;

/** A command-line mistake: printed with the usage, exit status 2. */
export class UsageError extends Error {}
