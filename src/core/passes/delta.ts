import { analyzeModel } from '../analysis/analyze';
import type { Analysis, Count } from '../analysis/types';
import type { Model } from '../ir/graph';
import type { Delta } from './types';

function countDiff(after: Count, before: Count): Count {
  if (typeof after === 'number' && typeof before === 'number') return after - before;
  // Common case: both are c·(same monomial), e.g. "15393185792*batch": subtract the coefficients.
  const a = monomial(after);
  const b = monomial(before);
  if (a && b && a.mono === b.mono) return a.coeff === b.coeff ? 0 : `${a.coeff - b.coeff}*${a.mono}`;
  return `(${after}) - (${before})`;
}

function monomial(c: Count): { coeff: number; mono: string } | undefined {
  if (typeof c === 'number') return undefined;
  const m = /^(-?\d+)\*([A-Za-z_][\w.:]*(?:\*[A-Za-z_][\w.:]*)*)$/.exec(c) ?? /^()([A-Za-z_][\w.:]*(?:\*[A-Za-z_][\w.:]*)*)$/.exec(c);
  return m ? { coeff: m[1] === '' ? 1 : Number(m[1]), mono: m[2] } : undefined;
}

export function diffAnalyses(before: Analysis, after: Analysis): Delta {
  return {
    params: after.totals.params - before.totals.params,
    macs: countDiff(after.totals.macs, before.totals.macs),
    weightBytes: after.totals.weightBytes - before.totals.weightBytes,
  };
}

/** The delta a rewrite makes, by analysing the rewritten graph (never by formula). */
export function deltaOf(before: Analysis, rewritten: Model, dims?: Record<string, number>): Delta {
  return diffAnalyses(before, analyzeModel(rewritten, { dims: dims ?? before.details.boundDims }));
}

/** Savings for ranking: bytes first (what users ship), MACs break ties. */
export function savingsScore(d: Delta): number {
  const macs = typeof d.macs === 'number' ? d.macs : 0;
  return -d.weightBytes + -macs * 1e-6;
}
