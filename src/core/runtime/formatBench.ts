// The text report of a benchmark (CLI output, the editor's report): no runtime imports, so the extension
// host can format results without loading ONNX Runtime or TensorFlow.js.
import type { BenchResult } from './types';

export function formatBench(r: BenchResult, top: number): string {
  const ms = (x: number) => `${x.toFixed(x < 10 ? 3 : 1)} ms`;
  const mb = (x: number) => `${(x / 2 ** 20).toFixed(1)} MiB`;
  const lines = [
    `${r.file}`,
    `  runtime      ${r.runtime} (${r.backend})${r.backendNotes.length ? ` — ${r.backendNotes.join('; ')}` : ''}`,
    `  inputs       ${r.inputs.map((i) => `${i.name} ${i.dtype}[${i.shape.join(', ')}]`).join(', ')}`,
    `  latency      median ${ms(r.latency.medianMs)}, p90 ${ms(r.latency.p90Ms)}, min ${ms(r.latency.minMs)} over ${r.latency.runsMs.length} runs after ${r.warmup} warm-up`,
    `  memory       RSS +${mb(r.memory.rssPeakDeltaBytes)}${r.memory.ortArenaPeakBytes !== undefined ? `, ORT arena peak ${mb(r.memory.ortArenaPeakBytes)}` : ''}${r.memory.tfjsPeakBytes !== undefined ? `, tfjs tensors peak ${mb(r.memory.tfjsPeakBytes)}` : ''}`,
    `  load         ${ms(r.loadMs)}, file ${mb(r.fileBytes)}`,
  ];
  if (r.roofline) {
    const d = r.roofline.device;
    const err = r.roofline.relativeError;
    lines.push(`  estimate     ${ms(r.roofline.estimatedMs)} roofline${err !== undefined ? ` (${err >= 0 ? '+' : ''}${(err * 100).toFixed(0)}% vs measured median)` : ''}; device ${(d.macsPerSecond / 1e9).toFixed(1)} GMAC/s, ${(d.bytesPerSecond / 1e9).toFixed(1)} GB/s${r.roofline.uncosted ? `; ${r.roofline.uncosted} layers not costed` : ''}`);
  }
  if (r.perNode && top > 0) {
    const est = new Map((r.roofline?.nodes ?? []).map((n) => [n.id, n.estimatedMs]));
    lines.push('', `  slowest nodes (measured, ${r.perNode.runs} profiled runs; kernels total ${ms(r.perNode.kernelTotalMs)})`);
    for (const n of [...r.perNode.nodes].sort((a, b) => b.ms - a.ms).slice(0, top)) {
      const e = est.get(n.id);
      lines.push(`    ${ms(n.ms).padStart(10)}  ${e !== undefined ? `est ${ms(e)}`.padEnd(14) : ''.padEnd(14)}  ${n.opType.padEnd(18)} ${n.id}${n.fused?.length ? ` (+${n.fused.length} fused)` : ''}`);
    }
    if (r.perNode.unmapped.length) lines.push(`    ${r.perNode.unmapped.length} runtime kernels not in the graph (${ms(r.perNode.unmapped.reduce((a, u) => a + u.ms, 0))} total, e.g. ${r.perNode.unmapped[0].opType})`);
  }
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}
