import assert from 'node:assert/strict';
import type { Analysis, LayerAnalysis } from '../../../src/core/analysis/types';
import type { Suggestion } from '../../../src/core/passes/types';
import { diffNodes, hintLensTitle, isModelWide, knobValues, passLabel, savingsOf, selectHints, toHintView } from '../../../src/extension/hints';

function layer(p: Partial<LayerAnalysis>): LayerAnalysis {
  return { id: 'l', name: 'l', type: 'Conv2D', params: 0, macs: 0, flops: 0, weightBytes: 0, inputs: [], outputs: [], costed: true, ...p };
}
function analysis(layers: LayerAnalysis[], producers: Record<string, string> = {}): Analysis {
  const sum = (f: (l: LayerAnalysis) => number) => layers.reduce((n, l) => n + f(l), 0);
  return {
    format: 'keras', file: 'm.json', inputs: [], outputs: [], layers, notCosted: [],
    totals: { params: sum((l) => l.params), macs: sum((l) => l.macs as number), flops: 0, weightBytes: sum((l) => l.weightBytes), peakActivationBytes: 0 },
    details: { constants: 0, nonFloatInitializerElements: 0, weightBytesByDtype: {}, boundDims: {}, freeDims: [], byType: {}, producers, warnings: [] },
  };
}
function sugg(p: Partial<Suggestion>): Suggestion {
  return { id: 'x', pass: 'low-rank', title: 't', layers: ['conv'], kind: 'approximate', knobs: [], at: {}, delta: { params: 0, macs: 0, weightBytes: 0 }, appliable: true, ...p };
}

// A 3x3 conv 64->128 on 56x56: 73,728 params, 231,211,008 MACs (hand computation).
const conv = layer({ id: 'conv', name: 'conv', params: 73_728, macs: 231_211_008, weightBytes: 294_912 });
const a = analysis([conv, layer({ id: 'fc', name: 'fc', type: 'Dense', params: 1000, macs: 1000, weightBytes: 4000 })]);

describe('optimization hints', () => {
  it('lens text as in the issue: ⚡ depthwise separable: −87% MACs', () => {
    // Depthwise 3x3 (576 params) + pointwise 64x128 (8,192): 8,768 params, 27,496,448 MACs -> saves 88.1%.
    const s = sugg({ pass: 'depthwise-separable', kind: 'needs-fine-tuning', delta: { params: 8_768 - 73_728, macs: 27_496_448 - 231_211_008, weightBytes: 4 * (8_768 - 73_728) } });
    // Params and MACs both save 88.1%; bytes too (same ratio): the first best is reported.
    // The model is conv + fc: the conv's 88.1% of MACs is 88.1% of the model's too (the fc has 1,000 MACs).
    assert.equal(hintLensTitle(s, a), '⚡ depthwise separable conv: −88% MACs of this layer, −88% of the model');
    assert.equal(passLabel('bn-fold'), 'bn fold');
  });

  it('reports the larger of MAC, parameter and byte savings of the affected layers', () => {
    const q = sugg({ pass: 'quantize-int8', layers: ['fc'], delta: { params: 0, macs: 0, weightBytes: -3000 } });
    assert.deepEqual(savingsOf(q, a), { metric: 'weights', percent: 75 });
    // fc's 4,000 weight bytes of the model's 298,912: 3,000 saved is 1.0% of the model.
    assert.equal(hintLensTitle(q, a), '⚡ int8 quantization fc: −75% weights of this layer, −1% of the model');
    const small = sugg({ layers: ['fc'], delta: { params: -55, macs: -55, weightBytes: -220 } });
    // 55 of the model's 231,212,008 MACs: under 0.1%, not "0%" and not "−0.0%".
    assert.equal(hintLensTitle(small, a), '⚡ low rank fc: −5.5% MACs of this layer, −<0.1% of the model');
  });

  it('a saving that reaches beyond the named layer is given relative to the model only (never "−765%")', () => {
    // Pruning fc's output channels also shrinks conv... here: the delta exceeds fc's own 1,000 MACs.
    const prune = sugg({ pass: 'channel-prune', layers: ['fc'], delta: { params: -500, macs: -7_650, weightBytes: -2_000 } });
    assert.ok(savingsOf(prune, a).percent > 100);
    const t = hintLensTitle(prune, a);
    assert.equal(t, '⚡ channel prune fc: −<0.1% MACs of the model');
    for (const m of t.matchAll(/(\d+(?:\.\d+)?)%/g)) assert.ok(Number(m[1]) <= 100, t);
  });

  it('a model-wide pass (INT8 over every weighted layer) is one hint about the model', () => {
    const q = sugg({ id: 'quantize-int8', pass: 'quantize-int8', layers: ['conv', 'fc'], delta: { params: 0, macs: 0, weightBytes: -224_184 } });
    assert.ok(isModelWide(q));
    assert.equal(hintLensTitle(q, a), '⚡ int8 quantization (whole model): −75% weights of the model');
    assert.equal(toHintView(q, a).modelWide, true);
    assert.ok(!isModelWide(sugg({ pass: 'low-rank', layers: ['conv', 'fc'] })));
  });

  it('selects hints by the settings: enabled, minimum savings, maximum measured error', () => {
    const e1 = { metric: 'relative-frobenius' as const, value: 0.01, perLayer: [] };
    const big = sugg({ id: 'big', layers: ['fc'], delta: { params: -500, macs: -500, weightBytes: -2000 }, error: e1 });
    const tiny = sugg({ id: 'tiny', layers: ['fc'], delta: { params: -50, macs: -50, weightBytes: -200 }, error: e1 });
    // Approximate with no computed error (weights absent): never passes an error limit.
    const unmeasured = sugg({ id: 'unmeasured', layers: ['fc'], delta: { params: -500, macs: -500, weightBytes: -2000 } });
    const noisy = sugg({ id: 'noisy', layers: ['fc'], delta: { params: -500, macs: -500, weightBytes: -2000 }, error: { metric: 'relative-frobenius', value: 0.2, perLayer: [] } });
    const growing = sugg({ id: 'grow', layers: ['fc'], delta: { params: 10, macs: 10, weightBytes: 40 } });
    const all = [big, tiny, noisy, growing, unmeasured];
    const ids = (f: Parameters<typeof selectHints>[2]) => selectHints(all, a, f).map((s) => s.id);
    assert.deepEqual(ids({ enabled: true, minSavingsPercent: 10, maxErrorPercent: 5 }), ['big']);
    assert.deepEqual(ids({ enabled: true, minSavingsPercent: 1, maxErrorPercent: 50 }), ['big', 'tiny', 'noisy'], 'keeps the registry ranking');
    assert.deepEqual(ids({ enabled: false, minSavingsPercent: 0, maxErrorPercent: 100 }), []);
  });

  it('turns a suggestion into a graph badge', () => {
    const s = sugg({ id: 'low-rank:fc', layers: ['fc'], at: { ratio: 0.25 }, delta: { params: -500, macs: -500, weightBytes: -2000 }, error: { metric: 'relative-frobenius', value: 0.01, perLayer: [] } });
    const v = toHintView(s, a);
    assert.deepEqual({ id: v.id, layerIds: v.layerIds, deltaParams: v.deltaParams, deltaMacs: v.deltaMacs, deltaWeightBytes: v.deltaWeightBytes, error: v.error },
      { id: 'low-rank:fc', layerIds: ['fc'], deltaParams: -500, deltaMacs: -500, deltaWeightBytes: -2000, error: 0.01 });
    assert.equal(v.detail, 'low rank: −50% MACs of this layer, −<0.1% of the model at ratio 0.25');
  });

  it("knob values: the user's knob (clamped) replaces the suggestion's defaults", () => {
    const s = sugg({ at: { ratio: 0.25 }, knobs: [
      { name: 'rank', label: 'r', min: 1, max: 64, step: 1, default: 16 },
      { name: 'ratio', label: 'q', min: 0.01, max: 1, step: 0.01, default: 0.25 },
    ] });
    assert.deepEqual(knobValues(s), { ratio: 0.25 });
    assert.deepEqual(knobValues(s, { rank: 500 }), { rank: 64 });
    assert.deepEqual(knobValues(s, { ratio: 0.5, bits: 3 }), { ratio: 0.5 });
  });

  it('diff graph: removed, added, changed and unchanged neighbours with edges', () => {
    const t = (name: string, shape: number[] = [1]) => ({ name, dtype: 'float32', shape });
    const x = layer({ id: 'x', type: 'Relu', outputs: [t('x:0')] });
    const before = analysis([x, layer({ id: 'fc', type: 'Gemm', params: 100, inputs: [t('x:0')], outputs: [t('fc:0')] }), layer({ id: 'y', type: 'Softmax', inputs: [t('fc:0')], outputs: [t('y:0')] }), layer({ id: 'z', type: 'Relu', inputs: [t('y:0')] })],
      { 'x:0': 'x', 'fc:0': 'fc', 'y:0': 'y' });
    const after = analysis([x, layer({ id: 'fc_a', type: 'Gemm', params: 20, inputs: [t('x:0')], outputs: [t('a:0')] }), layer({ id: 'fc_b', type: 'Gemm', params: 30, inputs: [t('a:0')], outputs: [t('fc:0')] }), layer({ id: 'y', type: 'Softmax', inputs: [t('fc:0')], outputs: [t('y:0')] }), layer({ id: 'z', type: 'Relu', inputs: [t('y:0')] })],
      { 'x:0': 'x', 'a:0': 'fc_a', 'fc:0': 'fc_b', 'y:0': 'y' });
    const { nodes } = diffNodes(before, after);
    const st = Object.fromEntries(nodes.map((n) => [n.id, n.status]));
    assert.deepEqual(st, { fc: 'removed', fc_a: 'added', fc_b: 'added', x: 'context', y: 'context' });
    const from = Object.fromEntries(nodes.map((n) => [n.id, n.from.sort()]));
    assert.deepEqual(from.fc, ['x']);
    assert.deepEqual(from.fc_b, ['fc_a']);
    assert.deepEqual(from.y, ['fc', 'fc_b']);
  });
});
