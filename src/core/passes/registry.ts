import type { Analysis } from '../analysis/types';
import type { Model } from '../ir/graph';
import { bnFold } from './bnFold';
import { channelPrune } from './channelPrune';
import { cleanup } from './cleanup';
import { cluster } from './cluster';
import { savingsScore } from './delta';
import { depthwiseSeparable } from './depthwiseSeparable';
import { lowRank } from './lowRank';
import { quantizeInt8 } from './quantize';
import type { FindOptions, Pass, PassName, Suggestion } from './types';

export const allPasses: readonly Pass[] = [cleanup, bnFold, lowRank, depthwiseSeparable, channelPrune, quantizeInt8, cluster];

export function passByName(name: string): Pass | undefined {
  return allPasses.find((p) => p.name === name);
}

export const PASS_NAMES: readonly PassName[] = allPasses.map((p) => p.name);

/**
 * Every pass's suggestions, largest savings first (weight bytes, then MACs). Exact passes win ties:
 * they cost nothing in accuracy. A pass that fails on a model is reported in `failures`, not thrown.
 */
export async function suggestAll(model: Model, analysis: Analysis, opts: FindOptions = {}): Promise<{ suggestions: Suggestion[]; failures: { pass: PassName; reason: string }[] }> {
  const suggestions: Suggestion[] = [];
  const failures: { pass: PassName; reason: string }[] = [];
  for (const p of allPasses) {
    try {
      suggestions.push(...(await p.find(model, analysis, opts)));
    } catch (e) {
      failures.push({ pass: p.name, reason: String((e as Error)?.message ?? e).split('\n')[0] });
    }
  }
  const rank = (s: Suggestion) => savingsScore(s.delta) + (s.kind === 'exact' ? 1e-3 : 0);
  suggestions.sort((a, b) => rank(b) - rank(a));
  return { suggestions, failures };
}
