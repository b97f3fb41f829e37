import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import type { Node } from '../../../src/core/ir/graph';
import { graph, ints, model, node, tensor, vi } from './graphBuilder';

describe('analysis speed', () => {
  it('a 1000-node graph with a symbolic batch analyses in well under a second', () => {
    // 250 blocks of Conv -> Relu -> Add(residual) -> Identity on [batch, 16, 32, 32].
    const nodes: Node[] = [];
    const inits = [];
    let x = 'x';
    for (let i = 0; i < 250; i++) {
      inits.push(tensor(`w${i}`, 'float32', [16, 16, 3, 3]));
      nodes.push(node('Conv', [x, `w${i}`], [`c${i}`], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) }));
      nodes.push(node('Relu', [`c${i}`], [`r${i}`]));
      nodes.push(node('Add', [`r${i}`, x], [`a${i}`]));
      nodes.push(node('Identity', [`a${i}`], [`o${i}`]));
      x = `o${i}`;
    }
    const m = model(graph(nodes, [vi('x', 'float32', ['batch', 16, 32, 32])], [vi(x, 'float32')], inits));
    analyzeModel(m); // warm-up: module loading and JIT are not the engine's cost
    const t0 = performance.now();
    const a = analyzeModel(m);
    const ms = performance.now() - t0;
    assert.equal(a.layers.length, 1000);
    assert.equal(a.totals.macs, `${250 * 16 * 1024 * 16 * 9}*batch`);
    // Typically tens of ms on an idle core; the bound leaves room for a loaded machine.
    if (process.env.MODELLENS_SPEED_LOG) console.log(`1000 nodes: ${ms.toFixed(1)} ms`);
    assert.ok(ms < 1000, `analysis took ${ms.toFixed(1)} ms`);
  });
});
