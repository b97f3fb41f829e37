import { dimAdd, dimMul, type Dim } from '../../ir/dim';
import { attrInt, attrString } from '../../ir/graph';
import { RuleError, type OpRule, type RuleContext, type RuleTable } from '../types';
import { channelsLast } from './adapt';
import { NORM_STAT_FLOPS, RMS_STAT_FLOPS, UNARY_FLOPS } from './costConventions';
import { CONV_RULES } from './convPool';
import { matmulShape } from './matmul';
import { MS_ATTENTION_RULES } from './msAttention';
import { MS_QUANT_RULES } from './msQuant';
import { broadcast, has, input, normAxis, numel, perElement, sameShapeRule } from './util';

/**
 * onnxruntime contrib ops (domain com.microsoft) that transformer and LLM exports use, as
 * onnxruntime's docs/ContribOperators.md specifies them: attention (msAttention.ts), quantized ops
 * (msQuant.ts), and here the fused norms, activations and matmul/conv variants of its optimizer.
 */

/** FusedMatMul: alpha * op(A) x op(B); transBatch moves the leading axis behind the batch dims. */
function fusedOperand(s: readonly Dim[], trans: boolean, transBatch: boolean): Dim[] {
  let x = [...s];
  if (transBatch && x.length > 2) x = [...x.slice(1, -1), x[0], x[x.length - 1]];
  if (trans && x.length >= 2) x = [...x.slice(0, -2), x[x.length - 1], x[x.length - 2]];
  return x;
}

function fusedOperands(ctx: RuleContext) {
  const a = fusedOperand(input(ctx, 0).shape, attrInt(ctx.node, 'transA', 0) === 1, attrInt(ctx.node, 'transBatchA', 0) === 1);
  const b = fusedOperand(input(ctx, 1).shape, attrInt(ctx.node, 'transB', 0) === 1, attrInt(ctx.node, 'transBatchB', 0) === 1);
  return matmulShape(a, b);
}

const fusedMatMul: OpRule = {
  shape: (ctx) => ({ outputs: [{ dtype: input(ctx, 0).dtype, shape: fusedOperands(ctx).shape }] }),
  cost: (ctx, outs) => {
    const macs = dimMul(numel(outs[0].shape!), fusedOperands(ctx).k);
    // alpha != 1 scales every output element.
    const alpha = ctx.node.attrs.alpha?.kind === 'float' && ctx.node.attrs.alpha.value !== 1 ? numel(outs[0].shape!) : 0;
    return { macs, flops: dimAdd(dimMul(2, macs), alpha) };
  },
};

/** FLOPs per element of a fused activation, by its ONNX op name (FusedConv's `activation`). */
function activationFlops(ctx: RuleContext): number {
  const act = attrString(ctx.node, 'activation', '');
  if (act === '' || act === 'Identity') return 0;
  const f = UNARY_FLOPS[act];
  if (f === undefined) throw new RuleError(`${ctx.node.opType} activation "${act}" is not one this rule knows`);
  return f;
}

/** Conv + bias + optional residual Z + activation, one kernel. */
function fusedConv(zSlot: number): OpRule {
  const conv = CONV_RULES.Conv;
  return {
    shape: (ctx) => {
      activationFlops(ctx);
      return conv.shape(ctx);
    },
    cost: (ctx, outs) => {
      const c = conv.cost(ctx, outs);
      const out = numel(outs[0].shape!);
      return { macs: c.macs, flops: dimAdd(dimAdd(c.flops, dimMul(activationFlops(ctx), out)), has(ctx, zSlot) ? out : 0) };
    },
  };
}

/**
 * LayerNorm family over the last axes. `affine`: input slots of gamma/beta (and bias) that add one
 * FLOP each when present; `skip`: the residual input added first; `rms`: no mean (RMSNorm).
 * Outputs: Y, then mean, inv_std_var (float32 statistics, [..., 1]; the RMS ones have no mean),
 * then input_skip_bias_sum for the Skip variants.
 */
function layerNormRule(o: { rms: boolean; skip: boolean; affine: number[] }): OpRule {
  const stat = o.rms ? RMS_STAT_FLOPS : NORM_STAT_FLOPS;
  return {
    shape: (ctx) => {
      const x = input(ctx, 0);
      if (o.skip) {
        const s = input(ctx, 1);
        broadcast([x.shape, s.shape]);
      }
      const axis = o.skip ? x.shape.length - 1 : normAxis(attrInt(ctx.node, 'axis', -1), x.shape.length);
      const statShape = x.shape.map((d, i) => (i < axis ? d : 1));
      const outputs = [{ dtype: x.dtype, shape: x.shape }];
      const stats = o.skip ? 2 : o.rms ? 1 : 2;
      for (let i = 1; i < ctx.node.outputs.length; i++) outputs.push(i <= stats ? { dtype: 'float32', shape: statShape } : { dtype: x.dtype, shape: x.shape });
      return { outputs };
    },
    cost: (ctx, outs) => perElement(outs, (o.skip ? 1 : 0) + stat + o.affine.filter((i) => has(ctx, i)).length),
  };
}

/** EmbedLayerNormalization (BERT): word + position (+ segment) embeddings, LayerNorm, mask index. */
const embedLayerNorm: OpRule = {
  shape: (ctx) => {
    const ids = input(ctx, 0);
    const word = input(ctx, 2);
    if (ids.shape.length !== 2 || word.shape.length !== 2) throw new RuleError('EmbedLayerNormalization expects input_ids [batch, sequence] and word_embedding [vocab, hidden]');
    const shape = [...ids.shape, word.shape[1]];
    return { outputs: [{ dtype: word.dtype, shape }, { dtype: 'int32', shape: [ids.shape[0]] }, { dtype: word.dtype, shape }] };
  },
  // Sum of 2 or 3 embeddings, then LayerNorm with gamma and beta.
  cost: (ctx, outs) => perElement(outs, (has(ctx, 4) ? 2 : 1) + NORM_STAT_FLOPS + 2),
};

const biasAdd: OpRule = {
  shape: (ctx) => ({ outputs: [{ dtype: input(ctx, 0).dtype, shape: broadcast(ctx.node.inputs.map((_, i) => input(ctx, i).shape)) }] }),
  cost: (ctx, outs) => perElement(outs, ctx.node.inputs.length - 1),
};

/** An activation with an optional bias input added first (FastGelu's bias, BiasGelu's B). */
function biasedActivation(flops: number, biasSlot: number, biasRequired: boolean): OpRule {
  return {
    shape: (ctx) => {
      const x = input(ctx, 0);
      if (biasRequired && !has(ctx, biasSlot)) throw new RuleError(`${ctx.node.opType} needs its bias input`);
      const shape = has(ctx, biasSlot) ? broadcast([x.shape, input(ctx, biasSlot).shape]) : x.shape;
      return { outputs: [{ dtype: x.dtype, shape }] };
    },
    cost: (ctx, outs) => perElement(outs, flops + (has(ctx, biasSlot) ? 1 : 0)),
  };
}

const simplifiedLayerNorm = layerNormRule({ rms: true, skip: false, affine: [1] });
const skipSimplifiedLayerNorm = layerNormRule({ rms: true, skip: true, affine: [2, 3] });

export const MICROSOFT_RULES: RuleTable = {
  ...MS_ATTENTION_RULES,
  ...MS_QUANT_RULES,
  FusedMatMul: fusedMatMul,
  FusedConv: fusedConv(3),
  NhwcConv: channelsLast(CONV_RULES.Conv, 0),
  NhwcFusedConv: channelsLast(fusedConv(3), 0),
  Gelu: sameShapeRule(UNARY_FLOPS.Gelu),
  // BiasGelu = Gelu(A + B) (erf form); FastGelu = tanh approximation (8) with an optional bias.
  BiasGelu: biasedActivation(UNARY_FLOPS.Gelu, 1, true),
  FastGelu: biasedActivation(8, 1, false),
  // x * sigmoid(alpha * x): the sigmoid, the alpha and the product.
  QuickGelu: sameShapeRule(UNARY_FLOPS.Sigmoid + 2),
  SkipLayerNormalization: layerNormRule({ rms: false, skip: true, affine: [2, 3, 4] }),
  SkipSimplifiedLayerNormalization: skipSimplifiedLayerNorm,
  SimplifiedLayerNormalization: simplifiedLayerNorm,
  LayerNormalization: layerNormRule({ rms: false, skip: false, affine: [1, 2] }),
  EmbedLayerNormalization: embedLayerNorm,
  BiasAdd: biasAdd,
};

/** onnxruntime registers these in the ONNX domain too. */
export const MICROSOFT_IN_ONNX_DOMAIN: RuleTable = {
  SimplifiedLayerNormalization: simplifiedLayerNorm,
  SkipSimplifiedLayerNormalization: skipSimplifiedLayerNorm,
};
