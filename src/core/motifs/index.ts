import type { Analysis } from '../analysis/types';
import { findAttention } from './attention';
import { findDepthwiseSeparable } from './depthwise';
import { findRepeated } from './repeated';
import { findResiduals } from './residual';
import { findSqueezeExcite } from './squeezeExcite';
import type { Motif, MotifKind } from './types';
import { buildFlowView } from './view';

export type { Motif, MotifKind } from './types';
export { MOTIF_KINDS } from './types';
export { scopeOf } from './scope';

/** All motifs of an analysis. Pure and synchronous: linear-ish in layers, bounded local searches. */
export function findMotifs(analysis: Analysis): Motif[] {
  const v = buildFlowView(analysis);
  const residuals = findResiduals(v);
  return [
    ...residuals,
    ...findDepthwiseSeparable(v, analysis.format),
    ...findAttention(v),
    ...findSqueezeExcite(v),
    ...findRepeated(v, residuals),
  ];
}

export function countMotifs(motifs: Motif[]): Record<MotifKind, number> {
  const counts: Record<MotifKind, number> = {
    residual: 0, 'depthwise-separable': 0, attention: 0, 'squeeze-excitation': 0, repeated: 0,
  };
  for (const m of motifs) counts[m.kind]++;
  return counts;
}
