// `npm run bench:gguf` (and part of `npm run bench`): a 70B GGUF — Llama-2-70B's shapes and metadata in
// llama.cpp naming, a Q4_K_M-style mix, the 32,000-entry tokenizer arrays, tensor data a hole (41 GB
// apparent, under 1 MB on disk) — opened with loadModel and analysed (graph + LLM numbers + memory plan)
// in a fresh process; prints wall time and peak RSS.
// Under load these are noise-prone: they are printed, never asserted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { llamaFamily } from '../test/unit/gguf/checkpoints';
import { writeGguf } from '../test/unit/gguf/ggufWriter';

const LLAMA2_70B = {
  model_type: 'llama', hidden_size: 8192, intermediate_size: 28672, num_hidden_layers: 80, num_attention_heads: 64,
  num_key_value_heads: 8, vocab_size: 32000, max_position_embeddings: 4096, rms_norm_eps: 1e-5, tie_word_embeddings: false,
};

if (process.argv[2] === '--child') {
  const file = process.argv[3];
  const t0 = process.hrtime.bigint();
  void (async () => {
    const { loadModel } = await import('../src/core/formats');
    const { analyzeModel } = await import('../src/core/analysis/analyze');
    const tOpen0 = process.hrtime.bigint();
    const model = await loadModel(file);
    const t1 = process.hrtime.bigint();
    const a = analyzeModel(model, { dims: { batch: 1, sequence: 128 }, llm: { context: 4096, memoryBudget: 48 * 2 ** 30, bandwidth: { bytesPerSecond: 1008e9 } } });
    const t2 = process.hrtime.bigint();
    const ms = (x: bigint) => Number(x) / 1e6;
    console.log(JSON.stringify({
      importMs: ms(tOpen0 - t0), openMs: ms(t1 - tOpen0), analyzeMs: ms(t2 - t1), maxRssMB: process.resourceUsage().maxRSS / 1024,
      tensors: model.graph.initializers.size, nodes: model.graph.nodes.length, params: a.totals.params, bytesByType: a.details.weightBytesByDtype,
      kvPerToken: a.llm!.kvCacheBytesPerToken, decodeMacs: a.llm!.decode!.macsPerToken, largestContext: a.llm!.plan.largestContext, warnings: a.details.warnings.length,
    }));
  })();
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'modellens-bench-gguf-'));
  try {
    const file = path.join(dir, 'llama-2-70b.Q4_K_M.gguf');
    const cp = llamaFamily(LLAMA2_70B, 'LLaMA v2 70B', 'Q4_K_M');
    writeGguf(file, cp.kv, cp.tensors);
    const apparent = statSync(file).size;
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', file], { encoding: 'utf8' });
    const wall = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) {
      console.error(r.stderr);
      process.exit(1);
    }
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
    const gb = (n: number) => `${(n / 1e9).toFixed(2)} GB`;
    console.log(`Llama-2-70B shapes, Q4_K_M-style GGUF (${gb(apparent)} apparent), ${j.tensors} tensors, ${j.nodes} nodes`);
    console.log(`  open (header, metadata, tensor infos → HF names → decoder graph): ${j.openMs.toFixed(0)} ms; analyse (graph + LLM + plan): ${j.analyzeMs.toFixed(0)} ms; total ${(j.openMs + j.analyzeMs).toFixed(0)} ms (module import ${j.importMs.toFixed(0)} ms before it; process wall ${wall.toFixed(0)} ms)`);
    console.log(`  peak RSS of the process: ${j.maxRssMB.toFixed(0)} MB`);
    console.log(`  params ${j.params.toLocaleString('en-US')}; weight bytes: ${Object.entries(j.bytesByType as Record<string, number>).map(([t, b]) => `${t} ${gb(b)}`).join(', ')}`);
    console.log(`  KV ${j.kvPerToken.toLocaleString('en-US')} B/token, decode ${j.decodeMacs.toLocaleString('en-US')} MACs/token at 4096, largest context in 48 GiB: ${j.largestContext}, warnings ${j.warnings}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
