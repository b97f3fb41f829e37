import type { Model, ModelFormat } from '../../ir/graph';
import type { LazyTensor } from '../../ir/tensor';
import { GraphBuilder } from './graphBuilder';

/**
 * A checkpoint whose architecture ModelLens does not know (or safetensors without a config.json):
 * no compute graph, but every tensor, grouped by layer prefix (`model.layers.7`, `transformer.h.3`,
 * else the name without its last two parts), as `Weights` nodes that own them. Parameters and bytes
 * are exact; MACs are not known and the warnings say so.
 */
export function tensorView(tensors: Map<string, LazyTensor>, base: { file: string; format: ModelFormat; metadata: Record<string, string>; warnings: string[] }): Model {
  const g = new GraphBuilder();
  const groups = new Map<string, string[]>();
  for (const [name, t] of tensors) {
    g.initializer(t);
    const key = groupOf(name);
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(name);
  }
  for (const [key, list] of groups) g.node('Weights', `${key}.tensors`, [], { outputs: 0, domain: 'modellens', weights: list });
  return { format: base.format, file: base.file, graph: g.graph('tensors'), opsets: {}, metadata: base.metadata, warnings: base.warnings };
}

export function groupOf(name: string): string {
  const m = /^((?:.*?\.)?(?:layers|layer|h|blocks|block|decoder_layers|encoder_layers)\.\d+)\./.exec(name);
  if (m) return m[1];
  const parts = name.split('.');
  return parts.length > 2 ? parts.slice(0, -2).join('.') : parts[0];
}
