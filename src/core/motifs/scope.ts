import type { LayerAnalysis } from '../analysis/types';

/**
 * The name scope of a layer: the analysis's own scope when it has one, else the path that exporters
 * write into node names ("/encoder/layers.0/self_attn/MatMul" -> encoder, layers.0, self_attn).
 */
export function scopeOf(l: Pick<LayerAnalysis, 'name' | 'scope'>): string[] {
  if (l.scope && l.scope.length > 0) return l.scope;
  const parts = l.name.split('/').filter((p) => p.length > 0);
  return parts.slice(0, -1);
}
