// `npm run bench:gguf` (and part of `npm run bench`): a 70B GGUF — Llama-2-70B's shapes and metadata in
// llama.cpp naming, a Q4_K_M-style mix, the 32,000-entry tokenizer arrays, tensor data a hole (~39 GB
// apparent, under 2 MB on disk) — opened and analysed in a fresh process; prints wall time and peak RSS.
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
    const { readGgufAsHf } = await import('../src/core/formats/gguf');
    const tOpen0 = process.hrtime.bigint();
    const { gguf, hf } = readGgufAsHf(file);
    const t1 = process.hrtime.bigint();
    const ms = (x: bigint) => Number(x) / 1e6;
    let params = 0;
    for (const t of hf.tensors) params += t.dims.reduce((a, b) => a * b, 1);
    console.log(JSON.stringify({
      importMs: ms(tOpen0 - t0), openMs: ms(t1 - tOpen0), maxRssMB: process.resourceUsage().maxRSS / 1024,
      tensors: gguf.tensors.size, headerBytes: gguf.shards[0].headerBytes, params, bytesByType: Object.fromEntries(hf.storedBytesByType),
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
    console.log(`Llama-2-70B shapes, Q4_K_M-style GGUF (${gb(apparent)} apparent, header ${(j.headerBytes / 2 ** 20).toFixed(2)} MiB), ${j.tensors} tensors`);
    console.log(`  open (header + metadata + tensor infos) and map to HF names: ${j.openMs.toFixed(0)} ms (module import ${j.importMs.toFixed(0)} ms before it; process wall ${wall.toFixed(0)} ms)`);
    console.log(`  peak RSS of the process: ${j.maxRssMB.toFixed(0)} MB`);
    console.log(`  params ${j.params.toLocaleString('en-US')}; bytes by type: ${Object.entries(j.bytesByType as Record<string, number>).map(([t, b]) => `${t} ${gb(b)}`).join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
