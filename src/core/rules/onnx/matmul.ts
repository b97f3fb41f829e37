import { dimAdd, dimMul, dimProduct, type Dim } from '../../ir/dim';
import type { DType } from '../../ir/dtype';
import { attrInt, attrString } from '../../ir/graph';
import { RuleError, type OpRule, type RuleContext, type RuleTable } from '../types';
import { broadcast, has, input, numel } from './util';

/** numpy.matmul shapes: rank-1 operands are promoted and the promoted axis dropped again. */
export function matmulShape(a: readonly Dim[], b: readonly Dim[]): { shape: Dim[]; k: Dim } {
  if (a.length === 0 || b.length === 0) throw new RuleError('MatMul of a scalar');
  const A = a.length === 1 ? [1, a[0]] : [...a];
  const B = b.length === 1 ? [b[0], 1] : [...b];
  const batch = broadcast([A.slice(0, -2), B.slice(0, -2)]);
  const shape = [...batch, A[A.length - 2], B[B.length - 1]];
  if (b.length === 1) shape.splice(shape.length - 1, 1);
  if (a.length === 1) shape.splice(shape.length - (b.length === 1 ? 1 : 2), 1);
  return { shape, k: A[A.length - 1] };
}

function matmulRule(ai: number, bi: number, outDtype: (ctx: RuleContext) => DType): OpRule {
  return {
    shape: (ctx) => {
      const a = input(ctx, ai);
      const b = input(ctx, bi);
      return { outputs: [{ dtype: outDtype(ctx), shape: matmulShape(a.shape, b.shape).shape }] };
    },
    cost: (ctx, outs) => {
      const { k } = matmulShape(input(ctx, ai).shape, input(ctx, bi).shape);
      const macs = dimMul(numel(outs[0].shape!), k);
      return { macs, flops: dimMul(2, macs) };
    },
  };
}

const gemm: OpRule = {
  shape: (ctx) => {
    const a = input(ctx, 0);
    const b = input(ctx, 1);
    if (a.shape.length !== 2 || b.shape.length !== 2) throw new RuleError('Gemm operands must be matrices');
    const m = attrInt(ctx.node, 'transA', 0) ? a.shape[1] : a.shape[0];
    const n = attrInt(ctx.node, 'transB', 0) ? b.shape[0] : b.shape[1];
    return { outputs: [{ dtype: a.dtype, shape: [m, n] }] };
  },
  cost: (ctx, outs) => {
    const a = input(ctx, 0);
    const k = attrInt(ctx.node, 'transA', 0) ? a.shape[0] : a.shape[1];
    const out = numel(outs[0].shape!);
    const macs = dimMul(out, k);
    return { macs, flops: dimAdd(dimMul(2, macs), has(ctx, 2) ? out : 0) };
  },
};

interface Parsed {
  inputs: string[][];
  output: string[];
}

/** Einsum equation with '...' expanded to per-operand placeholder letters aligned on the right. */
function parseEinsum(eq: string, ranks: number[]): Parsed {
  const [lhs, rhs] = eq.replace(/\s+/g, '').split('->');
  const terms = lhs.split(',');
  if (terms.length !== ranks.length) throw new RuleError(`Einsum equation has ${terms.length} operands for ${ranks.length} inputs`);
  let ell = 0;
  const expand = (term: string, rank?: number): string[] => {
    const parts = term.split('...');
    const named = parts.join('').split('');
    if (parts.length === 1) return named;
    const n = rank === undefined ? ell : rank - named.length;
    ell = Math.max(ell, n);
    const dots = Array.from({ length: n }, (_, i) => `#${ell - n + i}`);
    return [...parts[0].split(''), ...dots, ...parts[1].split('')];
  };
  const inputs = terms.map((t, i) => expand(t, ranks[i]));
  let output: string[];
  if (rhs !== undefined) output = expand(rhs);
  else {
    const count = new Map<string, number>();
    for (const t of inputs) for (const l of t) count.set(l, (count.get(l) ?? 0) + 1);
    const dots = [...count.keys()].filter((l) => l.startsWith('#')).sort();
    output = [...dots, ...[...count.entries()].filter(([l, c]) => c === 1 && !l.startsWith('#')).map(([l]) => l).sort()];
  }
  return { inputs, output };
}

function einsumSizes(ctx: RuleContext): { p: Parsed; size: Map<string, Dim> } {
  const ins = ctx.node.inputs.map((_, i) => input(ctx, i));
  const p = parseEinsum(attrString(ctx.node, 'equation', ''), ins.map((t) => t.shape.length));
  const size = new Map<string, Dim>();
  p.inputs.forEach((letters, i) => letters.forEach((l, k) => {
    const d = ins[i].shape[k];
    const prev = size.get(l);
    if (prev === undefined || prev === 1) size.set(l, d);
  }));
  return { p, size };
}

const einsum: OpRule = {
  shape: (ctx) => {
    const { p, size } = einsumSizes(ctx);
    return { outputs: [{ dtype: input(ctx, 0).dtype, shape: p.output.map((l) => size.get(l) ?? 1) }] };
  },
  cost: (ctx) => {
    const { p, size } = einsumSizes(ctx);
    if (p.inputs.length === 1) return { macs: 0, flops: numel(input(ctx, 0).shape) };
    // One multiply-accumulate per point of the joint index space, per extra operand.
    const macs = dimMul(p.inputs.length - 1, dimProduct([...size.values()]));
    return { macs, flops: dimMul(2, macs) };
  },
};

export const MATMUL_RULES: RuleTable = {
  MatMul: matmulRule(0, 1, (ctx) => input(ctx, 0).dtype),
  MatMulInteger: matmulRule(0, 1, () => 'int32'),
  QLinearMatMul: matmulRule(0, 3, (ctx) => ctx.inputs[7]?.dtype ?? 'uint8'),
  Gemm: gemm,
  Einsum: einsum,
};
