import { dimDiv, dimEq, dimMul, dimText, sym, unknownDim, type Dim } from '../../ir/dim';
import { attrInts, attrString } from '../../ir/graph';
import { RuleError, type OpRule, type RuleContext, type RuleTable } from '../types';
import { has, input, normAxis, numel } from './util';
import { table } from '../../tables';

function scaled(d: Dim, s: number): Dim {
  if (typeof d === 'number') return Math.floor(d * s + 1e-9);
  if (Number.isInteger(s)) return dimMul(d, s);
  if (Number.isInteger(1 / s)) return dimDiv(d, 1 / s);
  return sym(`floor(${dimText(d)}*${s})`);
}

/**
 * Resize (opset 10: X, scales; 11+: X, roi, scales, sizes; 18+: axes) and Upsample. Sizes win over
 * scales when given; when the one that applies is not known at analysis time, the resized axes are
 * unknown and the others keep their dims.
 */
function resizeShape(ctx: RuleContext): Dim[] {
  const x = input(ctx, 0);
  const r = x.shape.length;
  const axes = (attrInts(ctx.node, 'axes') ?? Array.from({ length: r }, (_, i) => i)).map((a) => normAxis(a, r));
  const shape = [...x.shape];
  const op = ctx.node.opType;
  const unknownAxes = () => shape.map((d, i) => (axes.includes(i) ? unknownDim() : d));
  if (op === 'Upsample' && ctx.opset < 9) {
    const s = ctx.node.attrs.scales;
    if (s?.kind !== 'floats') throw new RuleError('Upsample without scales');
    return shape.map((d, i) => scaled(d, s.value[i]));
  }
  const scalesAt = op === 'Upsample' || ctx.opset < 11 ? 1 : 2;
  if (op === 'Resize' && ctx.opset >= 11 && has(ctx, 3)) {
    const v = ctx.values[3];
    if (!v) return unknownAxes();
    if (v.values.length) {
      // Opset 18+: not_larger / not_smaller keep the aspect ratio with one scale, the min / max of sizes/input.
      const policy = ctx.opset >= 18 ? attrString(ctx.node, 'keep_aspect_ratio_policy', 'stretch') : 'stretch';
      const ins = axes.map((a) => shape[a]);
      if (policy !== 'stretch' && v.values.every((d) => typeof d === 'number') && ins.every((d) => typeof d === 'number' && d > 0)) {
        const ratios = axes.map((_, i) => (v.values[i] as number) / (ins[i] as number));
        const s = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
        axes.forEach((a, i) => (shape[a] = Math.round(s * (ins[i] as number))));
        return shape;
      }
      axes.forEach((a, i) => (shape[a] = v.values[i]));
      return shape;
    }
  }
  if (!has(ctx, scalesAt)) throw new RuleError('Resize without scales or sizes');
  const sv = ctx.values[scalesAt];
  if (!sv) return unknownAxes();
  const scales = sv.values;
  if (scales.length === 0) throw new RuleError('Resize without scales or sizes');
  axes.forEach((a, i) => {
    const s = scales[i];
    if (typeof s !== 'number') throw new RuleError('symbolic Resize scale');
    shape[a] = scaled(shape[a], s);
  });
  return shape;
}

const PER_AXIS: Record<string, number> = table({ nearest: 0, linear: 3, bilinear: 3, cubic: 8 });

const resize: OpRule = {
  shape: (ctx) => ({ outputs: [{ dtype: input(ctx, 0).dtype, shape: resizeShape(ctx) }] }),
  cost: (ctx, outs) => {
    const x = input(ctx, 0);
    const out = outs[0].shape!;
    const resizedAxes = out.filter((d, i) => !dimEq(d, x.shape[i])).length;
    const per = (PER_AXIS[attrString(ctx.node, 'mode', 'nearest')] ?? 3) * resizedAxes;
    return { macs: 0, flops: per === 0 ? 0 : dimMul(per, numel(out)) };
  },
};

export const RESIZE_RULES: RuleTable = {
  Resize: resize,
  Upsample: resize,
};
