import { dimAdd, dimMul, dimProduct, type Dim } from '../../ir/dim';
import { RuleError } from '../types';
import type { KerasConfig, LayerRule, WeightSpec } from './types';
import { activationFlops, one, out, staticDim, str } from './util';

interface Spec { input: string; kernel: string; output: string; ellipsis: number }

/** Splits "abc,cd->abd" (or "...b,bc->...c"); ellipsis dims become upper-case placeholder letters. */
function parse(cfg: KerasConfig, rank: number): Spec {
  const eq = str(cfg, 'equation', '').replace(/\s/g, '');
  const m = /^([a-z.]+),([a-z]+)->([a-z.]+)$/.exec(eq);
  if (!m) throw new RuleError(`EinsumDense equation "${eq}" is not of the form "in,kernel->out"`);
  const ellipsis = m[1].includes('...') ? rank - (m[1].length - 3) : 0;
  const fill = 'ABCDEFGH'.slice(0, ellipsis);
  return { input: m[1].replace('...', fill), kernel: m[2], output: m[3].replace('...', fill), ellipsis };
}

/** Sizes of every letter: from the input, then from output_shape (given without the batch dim). */
function sizes(cfg: KerasConfig, s: Dim[]): { spec: Spec; size: Map<string, Dim> } {
  const spec = parse(cfg, s.length);
  if (spec.input.length !== s.length) throw new RuleError(`EinsumDense equation expects rank ${spec.input.length}, input has rank ${s.length}`);
  const size = new Map<string, Dim>();
  [...spec.input].forEach((c, i) => size.set(c, s[i]));
  const os = cfg.output_shape;
  const outDims = (Array.isArray(os) ? os : typeof os === 'number' ? [os] : []) as (number | null)[];
  // output_shape lists the output dims after the ellipsis/batch part, aligned to the end.
  const tail = [...spec.output].slice(spec.output.length - outDims.length);
  tail.forEach((c, i) => { if (!size.has(c) && typeof outDims[i] === 'number') size.set(c, outDims[i] as number); });
  for (const c of spec.output + spec.kernel) if (!size.has(c)) throw new RuleError(`EinsumDense: size of "${c}" is unknown`);
  return { spec, size };
}

/**
 * EinsumDense: kernel dims from the equation's kernel letters, bias over bias_axes; MACs = product of
 * all distinct letter sizes (the ONNX Einsum convention).
 */
export const einsumDense: LayerRule = {
  shape(cfg, inputs) {
    const { spec, size } = sizes(cfg, one(inputs));
    return [out(inputs[0].dtype, [...spec.output].map((c) => size.get(c)!))];
  },
  weights(cfg, inputs) {
    const { spec, size } = sizes(cfg, one(inputs));
    const w: WeightSpec[] = [{ name: 'kernel', dims: [...spec.kernel].map((c) => staticDim(size.get(c)!, `EinsumDense dim ${c}`)) }];
    const ba = typeof cfg.bias_axes === 'string' ? cfg.bias_axes : '';
    if (ba) {
      // Keras: bias spans the output from the first bias axis on, 1 where an axis is not a bias axis.
      const first = Math.min(...[...ba].map((c) => spec.output.indexOf(c)));
      w.push({ name: 'bias', dims: [...spec.output.slice(first)].map((c) => (ba.includes(c) ? staticDim(size.get(c)!, `EinsumDense dim ${c}`) : 1)) });
    }
    return w;
  },
  cost(cfg, inputs, outputs) {
    const { spec, size } = sizes(cfg, one(inputs));
    const letters = [...new Set(spec.input + spec.kernel + spec.output)];
    const macs = dimProduct(letters.map((c) => size.get(c)!));
    const outElems = dimProduct(outputs[0]?.shape ?? []);
    const extra = dimMul(outElems, (typeof cfg.bias_axes === 'string' && cfg.bias_axes ? 1 : 0) + activationFlops(cfg));
    return { macs, flops: dimAdd(dimMul(macs, 2), extra) };
  },
};
