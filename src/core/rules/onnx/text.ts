import { dimMul, unknownDim } from '../../ir/dim';
import { attrInts } from '../../ir/graph';
import { RuleError, type OpRule, type RuleTable } from '../types';
import { TEXT_FLOPS } from './costConventions';
import { broadcast, input, numel, perElement } from './util';

/**
 * StringNormalizer (opset 10): X [C] or [1, C] of strings. Removing stopwords changes C by an amount
 * that depends on the strings, so C is unknown then; case changes alone keep the shape.
 */
const stringNormalizer: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const stop = ctx.node.attrs.stopwords;
    const removes = stop?.kind === 'strings' && stop.value.length > 0;
    const shape = removes ? x.shape.map((d, i) => (i === x.shape.length - 1 ? unknownDim() : d)) : x.shape;
    return { outputs: [{ dtype: 'string', shape }] };
  },
  cost: (ctx) => ({ macs: 0, flops: dimMul(TEXT_FLOPS, numel(input(ctx, 0).shape)) }),
};

/** TfIdfVectorizer (opset 9): X [C] or [N, C] -> float [max(ngram_indexes) + 1] or [N, that]. */
const tfIdfVectorizer: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const idx = attrInts(ctx.node, 'ngram_indexes');
    if (!idx || idx.length === 0) throw new RuleError('TfIdfVectorizer without ngram_indexes');
    const width = Math.max(...idx) + 1;
    if (x.shape.length > 2 || x.shape.length === 0) throw new RuleError(`TfIdfVectorizer input of rank ${x.shape.length}`);
    return { outputs: [{ dtype: 'float32', shape: x.shape.length === 2 ? [x.shape[0], width] : [width] }] };
  },
  // Each input position starts one n-gram of each length from min_gram_length to max_gram_length.
  cost: (ctx) => {
    const x = input(ctx, 0);
    const a = ctx.node.attrs;
    const lo = a.min_gram_length?.kind === 'int' ? a.min_gram_length.value : 1;
    const hi = a.max_gram_length?.kind === 'int' ? a.max_gram_length.value : lo;
    return { macs: 0, flops: dimMul(TEXT_FLOPS * Math.max(1, hi - lo + 1), numel(x.shape)) };
  },
};

/** String ops of opset 20: StringConcat broadcasts, RegexFullMatch maps, StringSplit adds an axis of unknown length. */
const stringConcat: OpRule = {
  shape: (ctx) => ({ outputs: [{ dtype: 'string', shape: broadcast([input(ctx, 0).shape, input(ctx, 1).shape]) }] }),
  cost: (_ctx, outs) => perElement(outs, TEXT_FLOPS),
};

const regexFullMatch: OpRule = {
  shape: (ctx) => ({ outputs: [{ dtype: 'bool', shape: input(ctx, 0).shape }] }),
  cost: (_ctx, outs) => perElement(outs, TEXT_FLOPS),
};

const stringSplit: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    // The number of pieces per string depends on the strings (maxsplit only bounds it).
    return { outputs: [{ dtype: 'string', shape: [...x.shape, unknownDim()] }, { dtype: 'int64', shape: x.shape }] };
  },
  cost: (ctx) => ({ macs: 0, flops: dimMul(TEXT_FLOPS, numel(input(ctx, 0).shape)) }),
};

export const TEXT_RULES: RuleTable = {
  StringNormalizer: stringNormalizer,
  TfIdfVectorizer: tfIdfVectorizer,
  StringConcat: stringConcat,
  RegexFullMatch: regexFullMatch,
  StringSplit: stringSplit,
};
