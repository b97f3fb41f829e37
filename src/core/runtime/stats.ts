import type { LatencyStats } from './types';

/** Median and nearest-rank p90 of run times (the p90 is a time some run actually took). */
export function latencyStats(runsMs: number[]): LatencyStats {
  if (runsMs.length === 0) throw new RangeError('no timed runs');
  const s = [...runsMs].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  const p90 = s[Math.max(0, Math.ceil(0.9 * n) - 1)];
  return {
    runsMs,
    medianMs: median,
    p90Ms: p90,
    meanMs: s.reduce((a, b) => a + b, 0) / n,
    minMs: s[0],
    maxMs: s[n - 1],
  };
}

export function hrMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
