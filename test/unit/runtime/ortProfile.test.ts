import assert from 'node:assert/strict';
import type { Graph, Node } from '../../../src/core/ir/graph';
import { mapKernelsToGraph, parseOrtProfile } from '../../../src/core/runtime/ortProfile';

function node(name: string, opType: string, inputs: string[], outputs: string[]): Node {
  return { id: name, name, opType, domain: '', inputs, outputs, attrs: {} };
}

// x -> Conv(W) -> c -> Relu -> r -> MaxPool -> m -> Dropout -> d ; a Constant feeding nothing at run time.
const graph: Graph = {
  name: 'g',
  nodes: [node('conv', 'Conv', ['x', 'W'], ['c']), node('relu', 'Relu', ['c'], ['r']), node('pool', 'MaxPool', ['r'], ['m']), node('drop', 'Dropout', ['m'], ['d']), node('k', 'Constant', [], ['kv'])],
  inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 8, 8] }],
  outputs: [{ name: 'd', dtype: 'float32' }],
  initializers: new Map(),
  valueInfo: new Map(),
};

/** A trace as ORT writes it: Session model_run spans, Node `<name>_kernel_time` events inside. */
function trace(runs: { conv: number; pool: number; reorder: number }[]): string {
  const ev: object[] = [{ cat: 'Session', name: 'session_initialization', ts: 0, dur: 5 }];
  let t = 100;
  for (const r of runs) {
    const start = t;
    ev.push({ cat: 'Node', name: 'r_nchwc_kernel_time', ts: t + 1, dur: r.conv, args: { op_name: 'Conv', mem_in_use_peak: '4096' } });
    ev.push({ cat: 'Node', name: 'm_nchwc_kernel_time', ts: t + 2, dur: r.pool, args: { op_name: 'MaxPool', mem_in_use_peak: '8192' } });
    ev.push({ cat: 'Node', name: 'ReorderOutput_token_3_kernel_time', ts: t + 3, dur: r.reorder, args: { op_name: 'ReorderOutput' } });
    t += 50;
    ev.push({ cat: 'Session', name: 'model_run', ts: start, dur: t - start });
    t += 10;
  }
  return JSON.stringify(ev);
}

describe('runtime: ORT profile parsing and mapping', () => {
  it('sums kernel times of the kept runs only (warm-up excluded) and keeps the arena peak', () => {
    const p = parseOrtProfile(trace([{ conv: 1000, pool: 1000, reorder: 1000 }, { conv: 30, pool: 10, reorder: 2 }, { conv: 50, pool: 20, reorder: 4 }]), 2);
    assert.equal(p.runs, 2);
    const by = Object.fromEntries(p.kernels.map((k) => [k.name, k]));
    assert.equal(by.r_nchwc.totalUs, 30 + 50);
    assert.equal(by.r_nchwc.opType, 'Conv');
    assert.equal(by.m_nchwc.totalUs, 10 + 20);
    assert.equal(p.arenaPeakBytes, 8192);
  });

  it('charges NCHWc kernels to the node whose op they run, lists fused and runtime-only kernels', () => {
    const p = parseOrtProfile(trace([{ conv: 30, pool: 10, reorder: 2 }, { conv: 50, pool: 20, reorder: 4 }]), 2);
    const m = mapKernelsToGraph(graph, p, 'test');
    const by = Object.fromEntries(m.nodes.map((n) => [n.id, n]));
    // Kernel "r_nchwc" (Conv) produces r, made by Relu in the graph: walk up to the Conv; Relu is fused.
    assert.equal(by.conv.ms, (30 + 50) / 2 / 1000);
    assert.deepEqual(by.conv.fused, ['relu']);
    assert.equal(by.pool.ms, (10 + 20) / 2 / 1000);
    assert.deepEqual(m.unmapped.map((u) => u.opType), ['ReorderOutput']);
    // Dropout (removed at inference) and the Constant (folded at load) have no kernel.
    assert.deepEqual(m.noKernel.sort(), ['drop', 'k']);
    assert.equal(m.kernelTotalMs, (30 + 50 + 10 + 20 + 2 + 4) / 2 / 1000);
  });

  it('maps generated kernel names through the optimised graph\'s outputs', () => {
    const ev = [
      { cat: 'Session', name: 'model_run', ts: 0, dur: 100 },
      { cat: 'Node', name: 'Gelu_token_0_kernel_time', ts: 1, dur: 40, args: { op_name: 'Gelu' } },
    ];
    const m = mapKernelsToGraph(graph, parseOrtProfile(JSON.stringify(ev), 1), 'test', new Map([['Gelu_token_0', ['m']]]));
    assert.deepEqual(m.nodes.map((n) => [n.id, n.ms]), [['pool', 0.04]]);
    assert.equal(m.unmapped.length, 0);
  });
});
