import { dimAdd, dimMul, type Dim } from '../../ir/dim';
import type { TensorType } from '../../ir/graph';
import { RuleError } from '../types';
import type { KerasConfig, LayerRule, WeightSpec } from './types';
import { bool, convOutLen, macCost, num, one, out, staticDim, str, tuple } from './util';
import { table } from '../../tables';

/**
 * A recurrent layer with `gates` gate blocks (LSTM 4, GRU 3, SimpleRNN 1). Per step and sample:
 * MACs = gates*units*(input + units); FLOPs = 2*MACs + the ONNX per-step elementwise work (LSTM 26u,
 * GRU 19u, SimpleRNN 3u). States returned with return_state follow the output.
 */
export function rnn(kind: 'LSTM' | 'GRU' | 'SimpleRNN'): LayerRule {
  const gates = kind === 'LSTM' ? 4 : kind === 'GRU' ? 3 : 1;
  const states = kind === 'LSTM' ? 2 : 1;
  const perStep = kind === 'LSTM' ? 26 : kind === 'GRU' ? 19 : 3;
  return {
    shape(cfg, inputs) {
      const s = one(inputs);
      if (s.length !== 3) throw new RuleError(`${kind} expects a [batch, steps, features] input, got rank ${s.length}`);
      const u = num(cfg, 'units', 0);
      const dt = inputs[0].dtype;
      const res: TensorType[] = [out(dt, bool(cfg, 'return_sequences', false) ? [s[0], s[1], u] : [s[0], u])];
      if (bool(cfg, 'return_state', false)) for (let i = 0; i < states; i++) res.push(out(dt, [s[0], u]));
      return res;
    },
    weights(cfg, inputs) {
      const s = one(inputs);
      const u = num(cfg, 'units', 0);
      const inF = staticDim(s[s.length - 1], `${kind} input features`);
      const w: WeightSpec[] = [
        { name: 'kernel', dims: [inF, gates * u] },
        { name: 'recurrent_kernel', dims: [u, gates * u] },
      ];
      if (bool(cfg, 'use_bias', true)) {
        // GRU with reset_after keeps separate input and recurrent biases: 3*units*(input + units + 2).
        w.push({ name: 'bias', dims: kind === 'GRU' && bool(cfg, 'reset_after', false) ? [2, gates * u] : [gates * u] });
      }
      return w;
    },
    cost(cfg, inputs) {
      const s = one(inputs);
      const u = num(cfg, 'units', 0);
      const steps: Dim = dimMul(s[0], s[1]);
      const macs = dimMul(steps, dimMul(gates * u, dimAdd(s[2], u)));
      return macCost(macs, dimMul(steps, perStep * u));
    },
  };
}

/** Config of the wrapped layer ({class_name, config}) of Bidirectional / TimeDistributed. */
export function wrapped(cfg: KerasConfig, key = 'layer'): { className: string; config: KerasConfig } | undefined {
  const l = cfg[key] as { class_name?: unknown; config?: unknown } | undefined | null;
  if (!l || typeof l.class_name !== 'string' || typeof l.config !== 'object' || l.config === null) return undefined;
  return { className: l.class_name, config: l.config as KerasConfig };
}

/**
 * ConvLSTM1D/2D/3D: input [batch, steps, ...spatial, channels] (channels_last). Kernel
 * [...k, in, 4f], recurrent kernel [...k, f, 4f] (stride 1, same padding on the state), bias [4f].
 * MACs per step = out positions * 4f * prod(k) * (in + f).
 */
export function convLstm(rank: number): LayerRule {
  const geo = (cfg: KerasConfig, inputs: TensorType[]) => {
    const s = one(inputs);
    if (s.length !== rank + 3) throw new RuleError(`ConvLSTM${rank}D expects a rank-${rank + 3} input, got rank ${s.length}`);
    const first = str(cfg, 'data_format', 'channels_last') === 'channels_first';
    const spatial = first ? s.slice(3) : s.slice(2, -1);
    const channels = first ? s[2] : s[s.length - 1];
    const k = tuple(cfg, 'kernel_size', rank, 1);
    const st = tuple(cfg, 'strides', rank, 1);
    const dil = tuple(cfg, 'dilation_rate', rank, 1);
    const pad = str(cfg, 'padding', 'valid').toLowerCase();
    const outSp = spatial.map((d, i) => convOutLen(d, k[i], pad, st[i], dil[i]));
    return { s, first, channels, k, outSp, f: num(cfg, 'filters', 0) };
  };
  return {
    shape(cfg, inputs) {
      const g = geo(cfg, inputs);
      const step = g.first ? [g.f, ...g.outSp] : [...g.outSp, g.f];
      const dt = inputs[0].dtype;
      const res: TensorType[] = [out(dt, bool(cfg, 'return_sequences', false) ? [g.s[0], g.s[1], ...step] : [g.s[0], ...step])];
      if (bool(cfg, 'return_state', false)) res.push(out(dt, [g.s[0], ...step]), out(dt, [g.s[0], ...step]));
      return res;
    },
    weights(cfg, inputs) {
      const g = geo(cfg, inputs);
      const w: WeightSpec[] = [
        { name: 'kernel', dims: [...g.k, staticDim(g.channels, 'ConvLSTM input channels'), 4 * g.f] },
        { name: 'recurrent_kernel', dims: [...g.k, g.f, 4 * g.f] },
      ];
      if (bool(cfg, 'use_bias', true)) w.push({ name: 'bias', dims: [4 * g.f] });
      return w;
    },
    cost(cfg, inputs) {
      const g = geo(cfg, inputs);
      const positions = dimMul(dimMul(g.s[0], g.s[1]), g.outSp.reduce((p: Dim, d) => dimMul(p, d), 1 as Dim));
      const kk = g.k.reduce((a, b) => a * b, 1);
      const macs = dimMul(positions, dimMul(4 * g.f * kk, dimAdd(g.channels, g.f)));
      return macCost(macs, dimMul(positions, 26 * g.f));
    },
  };
}

const CELLS: Record<string, 'LSTM' | 'GRU' | 'SimpleRNN'> = table({ LSTMCell: 'LSTM', GRUCell: 'GRU', SimpleRNNCell: 'SimpleRNN' });

/**
 * Keras RNN(cell): the cell's rule with the RNN's return_sequences/return_state. StackedRNNCells
 * chain their cells (each cell's units feed the next); weights are named cell_<i>/....
 */
export const genericRnn: LayerRule = {
  shape(cfg, inputs) {
    const cells = cellsOf(cfg);
    const s = one(inputs);
    const last = cells[cells.length - 1];
    return rnn(last.kind).shape({ ...last.config, return_sequences: cfg.return_sequences, return_state: cfg.return_state }, [out(inputs[0].dtype, [s[0], s[1], cells.length > 1 ? num(cells[cells.length - 2].config, 'units', 0) : s[2]])]);
  },
  weights(cfg, inputs) {
    const cells = cellsOf(cfg);
    const s = one(inputs);
    let feat: Dim = s[2];
    const w: WeightSpec[] = [];
    cells.forEach((c, i) => {
      const ws = rnn(c.kind).weights!(c.config, [out(inputs[0].dtype, [s[0], s[1], feat])]);
      w.push(...(cells.length > 1 ? ws.map((x) => ({ name: `cell_${i}/${x.name}`, dims: x.dims })) : ws));
      feat = num(c.config, 'units', 0);
    });
    return w;
  },
  cost(cfg, inputs) {
    const cells = cellsOf(cfg);
    const s = one(inputs);
    let feat: Dim = s[2];
    let macs: Dim = 0;
    let flops: Dim = 0;
    for (const c of cells) {
      const r = rnn(c.kind).cost(c.config, [out(inputs[0].dtype, [s[0], s[1], feat])], []);
      macs = dimAdd(macs, r.macs);
      flops = dimAdd(flops, r.flops);
      feat = num(c.config, 'units', 0);
    }
    return { macs, flops };
  },
};

function cellsOf(cfg: KerasConfig): { kind: 'LSTM' | 'GRU' | 'SimpleRNN'; config: KerasConfig }[] {
  const cell = cfg.cell as { class_name?: unknown; config?: KerasConfig } | undefined;
  if (!cell || typeof cell.class_name !== 'string' || !cell.config) throw new RuleError('RNN without a cell config');
  const list = cell.class_name === 'StackedRNNCells' && Array.isArray(cell.config.cells) ? (cell.config.cells as { class_name: string; config: KerasConfig }[]) : [cell as { class_name: string; config: KerasConfig }];
  return list.map((c) => {
    const kind = CELLS[c.class_name];
    if (!kind) throw new RuleError(`RNN cell ${c.class_name} has no rule`);
    return { kind, config: c.config };
  });
}
