// `npm run bench:llm`: a 70B-class sharded safetensors checkpoint (Llama-2-70B's config, tensor names
// and shapes; 15 shards of sparse files, ~129 GiB apparent, a few MB on disk) opened from its folder
// and analysed (graph + LLM numbers + memory plan) in a fresh process; prints wall time and peak RSS.
// Under load these are noise-prone: they are printed, never asserted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hfTensors } from '../test/unit/llm/checkpoints';
import { writeSharded } from '../test/unit/llm/safetensorsWriter';

const LLAMA2_70B = {
  architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 8192, intermediate_size: 28672, num_hidden_layers: 80,
  num_attention_heads: 64, num_key_value_heads: 8, vocab_size: 32000, max_position_embeddings: 4096, rms_norm_eps: 1e-5,
  tie_word_embeddings: false, torch_dtype: 'float16', hidden_act: 'silu',
};

if (process.argv[2] === '--child') {
  const dir = process.argv[3];
  const t0 = process.hrtime.bigint();
  void (async () => {
    const { loadModel } = await import('../src/core/formats');
    const { analyzeModel } = await import('../src/core/analysis/analyze');
    const tLoad0 = process.hrtime.bigint();
    const model = await loadModel(dir);
    const tLoad = process.hrtime.bigint();
    const a = analyzeModel(model, { dims: { batch: 1, sequence: 128 }, llm: { context: 4096, memoryBudget: 160 * 2 ** 30, bandwidth: { bytesPerSecond: 3350e9 } } });
    const t1 = process.hrtime.bigint();
    const ms = (x: bigint) => Number(x) / 1e6;
    console.log(JSON.stringify({
      importMs: ms(tLoad0 - t0), openMs: ms(tLoad - tLoad0), analyzeMs: ms(t1 - tLoad), openAndAnalyzeMs: ms(t1 - tLoad0),
      maxRssMB: process.resourceUsage().maxRSS / 1024, params: a.totals.params, tensors: model.graph.initializers.size, nodes: model.graph.nodes.length,
      kvPerToken: a.llm!.kvCacheBytesPerToken, decodeMacs: a.llm!.decode!.macsPerToken, largestContext: a.llm!.plan.largestContext,
      warnings: a.details.warnings.length,
    }));
  })();
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'modellens-bench-70b-'));
  try {
    const files = writeSharded(dir, hfTensors(LLAMA2_70B, 'F16'), 15);
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(LLAMA2_70B));
    const apparent = files.reduce((s, f) => s + statSync(f).size, 0);
    const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', dir], { encoding: 'utf8' });
    if (r.status !== 0) {
      console.error(r.stderr);
      process.exit(1);
    }
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
    console.log(`Llama-2-70B shapes, 15 sparse safetensors shards (${(apparent / 2 ** 30).toFixed(1)} GiB apparent), ${j.tensors} tensors, ${j.nodes} nodes`);
    console.log(`  open (config + 15 headers): ${j.openMs.toFixed(0)} ms; analyse (graph + LLM + plan): ${j.analyzeMs.toFixed(0)} ms; total ${j.openAndAnalyzeMs.toFixed(0)} ms (module import ${j.importMs.toFixed(0)} ms before it)`);
    console.log(`  peak RSS of the process: ${j.maxRssMB.toFixed(0)} MB`);
    console.log(`  params ${j.params.toLocaleString('en-US')}, KV ${j.kvPerToken.toLocaleString('en-US')} B/token, decode ${j.decodeMacs.toLocaleString('en-US')} MACs/token at 4096, largest context in 160 GiB: ${j.largestContext}, warnings ${j.warnings}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
