import type { LayerRule } from './types';
import { num, one, out, str, ZERO } from './util';

/** StringLookup/IntegerLookup in 'int' mode: same shape, int64 indices; the vocabulary is not a weight. */
export const lookup: LayerRule = {
  shape(cfg, inputs) {
    const s = one(inputs);
    const mode = str(cfg, 'output_mode', 'int');
    if (mode === 'int') return [out('int64', s)];
    const size = typeof cfg.vocabulary_size === 'number' ? cfg.vocabulary_size : num(cfg, 'max_tokens', 0);
    return [out('float32', [s[0], size])];
  },
  cost: () => ZERO,
};

/** TextVectorization: a string batch to token ids [batch, output_sequence_length] (int mode). */
export const textVectorization: LayerRule = {
  shape(cfg, inputs) {
    const s = one(inputs);
    const mode = str(cfg, 'output_mode', 'int');
    if (mode === 'int') {
      const len = cfg.output_sequence_length;
      return [out('int64', [s[0], typeof len === 'number' ? len : s[1] ?? 1])];
    }
    return [out('float32', [s[0], num(cfg, 'max_tokens', 0)])];
  },
  cost: () => ZERO,
};
