import { dimAdd, dimDiv, dimMul, type Dim } from '../../ir/dim';
import { attrInt, attrString } from '../../ir/graph';
import { RuleError, type OpRule, type RuleTable } from '../types';
import { GRU_ELEMWISE_PER_H, LSTM_ELEMWISE_PER_H, RNN_ELEMWISE_PER_H } from './costConventions';
import { input } from './util';

/**
 * LSTM / GRU / RNN (ONNX layout 0: X [seq, batch, input], Y [seq, dirs, batch, H]; layout 1 puts
 * batch first). MACs per time step and direction are gates*H*(I+H): the input and recurrent matmuls,
 * the convention the manifest's per-layer torch LSTM numbers use.
 */
function rnnRule(gates: number, elemPerH: number, withCell: boolean): OpRule {
  const dims = (ctx: Parameters<OpRule['shape']>[0]) => {
    const x = input(ctx, 0);
    const w = input(ctx, 1);
    if (x.shape.length !== 3 || w.shape.length !== 3) throw new RuleError('recurrent op expects rank-3 X and W');
    const layout = attrInt(ctx.node, 'layout', 0);
    const [seq, batch] = layout === 0 ? [x.shape[0], x.shape[1]] : [x.shape[1], x.shape[0]];
    const dirs = attrString(ctx.node, 'direction', 'forward') === 'bidirectional' ? 2 : 1;
    const hAttr = attrInt(ctx.node, 'hidden_size');
    const h: Dim = hAttr ?? dimDiv(w.shape[1], gates);
    return { x, layout, seq, batch, dirs, h, i: w.shape[2] };
  };
  return {
    shape: (ctx) => {
      const { x, layout, seq, batch, dirs, h } = dims(ctx);
      const y = layout === 0 ? [seq, dirs, batch, h] : [batch, seq, dirs, h];
      const last = layout === 0 ? [dirs, batch, h] : [batch, dirs, h];
      const outputs = [{ dtype: x.dtype, shape: y }, { dtype: x.dtype, shape: last }];
      if (withCell) outputs.push({ dtype: x.dtype, shape: last });
      return { outputs };
    },
    cost: (ctx) => {
      const { seq, batch, dirs, h, i } = dims(ctx);
      const steps = dimMul(dimMul(seq, batch), dirs);
      const macs = dimMul(steps, dimMul(dimMul(gates, h), dimAdd(i, h)));
      const peephole = withCell && (ctx.node.inputs[7] ?? '') !== '' ? 3 : 0;
      return { macs, flops: dimAdd(dimMul(2, macs), dimMul(steps, dimMul(elemPerH + peephole * 2, h))) };
    },
  };
}

export const RNN_RULES: RuleTable = {
  LSTM: rnnRule(4, LSTM_ELEMWISE_PER_H, true),
  GRU: rnnRule(3, GRU_ELEMWISE_PER_H, false),
  RNN: rnnRule(1, RNN_ELEMWISE_PER_H, false),
};
