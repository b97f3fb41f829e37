import { ModelError } from '../errors';
import { suggestionId } from './common';
import type { Suggestion } from './types';

/** One suggestion covering the chosen layers of several (passes rewrite every site listed in `layers`). */
export function combine(found: Suggestion[], layers: string[] | undefined, pass: string): Suggestion {
  if (found.length === 0) throw new ModelError(`pass ${pass} finds nothing to change in this model`);
  // channel-prune's "all candidates" suggestion repeats the singles' layers: each layer once.
  const all = [...new Set(found.flatMap((s) => s.layers))];
  const chosen = layers?.length ? layers : all;
  const missing = chosen.filter((l) => !all.includes(l));
  if (missing.length) throw new ModelError(`pass ${pass} cannot change layer${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  // Suggestions of one pass that touch the chosen layers, merged (cleanup keeps one kind per suggestion).
  const parts = found.filter((s) => s.layers.some((l) => chosen.includes(l)));
  if (new Set(parts.map((s) => JSON.stringify(s.detail?.cleanup ?? null))).size > 1) {
    throw new ModelError(`pass ${pass}: choose layers of one kind of clean-up at a time`);
  }
  // A suggestion of exactly these layers (channel-prune's combination) carries the delta computed for them.
  const exact = parts.find((s) => s.layers.length === chosen.length && s.layers.every((l) => chosen.includes(l)));
  if (exact) return { ...exact, layers: chosen };
  return { ...parts[0], id: suggestionId(pass, chosen, parts[0].detail?.cleanup as string | undefined), layers: chosen };
}
