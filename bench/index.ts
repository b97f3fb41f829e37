// `npm run bench [-- FILE[:dim=v,...]...]`: every benchmark, one after another. FILE arguments go to the
// analysis benchmark; the others use their own models (see each script's header).
//   analyze.ts       wall time and peak RSS of analyze next to file size and one full read of the file
//   tied.ts          the tied-weight search on GPT-2 small (torch's transposed lm_head copy)
//   llm.ts           a 70B-class sharded safetensors checkpoint (sparse): open + analyse wall time and peak RSS
//   passes.ts        low-rank on all Dense/Gemm layers of a VGG-sized model, weights included
//   webview-paint.ts open → first paint of the graph webview in headless chromium; pan frame times
//   bench-model.ts   measured (ONNX Runtime / tfjs) vs roofline-estimated latency; passes' effect on latency
//   gguf.ts          a 70B GGUF (Llama-2-70B shapes, Q4_K_M mix, sparse) opened in a fresh process: wall time, peak RSS
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const args = process.argv.slice(2);
const runs: [string, string[]][] = [['analyze.ts', args], ['tied.ts', []], ['llm.ts', []], ['gguf.ts', []], ['passes.ts', []], ['webview-paint.ts', []], ['bench-model.ts', []]];
let failed = 0;
for (const [script, a] of runs) {
  console.log(`\n== bench/${script} ==`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, script), ...a], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
