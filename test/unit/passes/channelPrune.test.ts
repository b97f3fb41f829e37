import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readOnnxFile } from '../../../src/core/formats/onnx/reader';
import { channelPrune } from '../../../src/core/passes/channelPrune';
import { combine } from '../../../src/core/passes/combine';
import { toFloat32 } from '../../../src/core/tensor/bytes';
import { TempDir, f32, maxRelDiff, onnxChecker, randn, rng, roundTrip, runOrt } from './helpers';

const DIR = '/work/shared/models/onnx';
const INPUTS: Record<string, number[]> = {
  squeezenet1_0: [1, 3, 224, 224],
  mobilenet_v3_small: [1, 3, 224, 224],
  shufflenet_v2_x1_0: [1, 3, 224, 224],
  conv1d_audio: [1, 1, 16000],
};

describe('passes: channel-prune', () => {
  const tmp = new TempDir();
  after(() => tmp.dispose());

  for (const [name, dims] of Object.entries(INPUTS)) {
    it(`${name}: prunes every candidate at 30%; the graph runs in ORT; Δ predicted = re-analysis`, async () => {
      const file = `${DIR}/${name}.onnx`;
      const m = readOnnxFile(file);
      const before = analyzeModel(m);
      const found = await channelPrune.find(m, before);
      assert.ok(found.length > 0);
      const all = combine(found, undefined, 'channel-prune');
      const out = await channelPrune.rewrite(m, all, { ratio: 0.3 }, { withWeights: true });
      const f = tmp.file(`${name}_pruned.onnx`);
      const back = await roundTrip(out, f);
      const y = (await runOrt(f, { input: { data: randn(dims.reduce((a, b) => a * b, 1), rng(1)), dims } })).output;
      assert.equal(y.length, name === 'conv1d_audio' ? 35 : 1000);
      assert.ok(y.every(Number.isFinite));
      const A1 = analyzeModel(back);
      const structural = analyzeModel(await channelPrune.rewrite(m, all, { ratio: 0.3 }, { withWeights: false }));
      assert.equal(structural.totals.params, A1.totals.params);
      assert.equal(structural.totals.macs, A1.totals.macs);
      assert.ok(A1.totals.params < before.totals.params);
      // One suggestion alone: its predicted delta at the default ratio equals the written file's.
      const one = found[found.length - 1];
      const single = analyzeModel(await roundTrip(await channelPrune.rewrite(m, one, one.at, { withWeights: true }), tmp.file(`${name}_one.onnx`)));
      assert.equal(one.delta.params, single.totals.params - before.totals.params);
      assert.equal(one.delta.macs, (single.totals.macs as number) - (before.totals.macs as number));
      const chk = onnxChecker(f);
      if (chk !== undefined) assert.equal(chk, '');
    });
  }

  it('mobilenet_v3_small residual group (3 blocks joined by Adds): pruning channels that are already zero leaves the outputs unchanged', async () => {
    const file = `${DIR}/mobilenet_v3_small.onnx`;
    const m = readOnnxFile(file);
    const found = await channelPrune.find(m, analyzeModel(m));
    const s = found.find((x) => x.layers[0] === '/features/features.4/block/block.3/block.3.0/Conv')!;
    const deps = s.detail!.dependents as string[];
    // The group reaches through the two residual Adds of blocks 5 and 6.
    assert.ok(deps.includes('/features/features.5/block/block.3/block.3.0/Conv') && deps.includes('/features/features.6/block/block.3/block.3.0/Conv'));
    const conv = m.graph.nodes.find((n) => n.id === s.layers[0])!;
    const C = m.graph.initializers.get(conv.inputs[1])!.dims[0];
    const k = Math.round(C * 0.25);
    // Zero channels 0..k-1 in every conv of the group that produces them (weights and bias): they carry
    // exact zeros through the Adds, so removing them must not change any output.
    const zeroed = { ...m, graph: { ...m.graph, initializers: new Map(m.graph.initializers) } };
    for (const id of [s.layers[0], ...deps]) {
      const n = m.graph.nodes.find((x) => x.id === id)!;
      if (n.opType !== 'Conv') continue;
      for (const slot of [1, 2]) {
        const t = m.graph.initializers.get(n.inputs[slot]);
        if (!t || t.dims[0] !== C) continue;
        const v = await toFloat32(t);
        v.fill(0, 0, (v.length / C) * k);
        zeroed.graph.initializers.set(t.name, f32(t.name, [...t.dims], v));
      }
    }
    const f0 = tmp.file('mb_zeroed.onnx');
    const f1 = tmp.file('mb_group_pruned.onnx');
    await roundTrip(zeroed, f0);
    await roundTrip(await channelPrune.rewrite(zeroed, s, { ratio: 0.25 }, { withWeights: true }), f1);
    const x = randn(3 * 224 * 224, rng(11));
    const [a, b] = await Promise.all([runOrt(f0, { input: { data: x, dims: [1, 3, 224, 224] } }), runOrt(f1, { input: { data: x, dims: [1, 3, 224, 224] } })]);
    assert.ok(maxRelDiff(a.output, b.output) < 1e-4, `max rel diff ${maxRelDiff(a.output, b.output)}`);
  });

  it('keeps the channels of largest L1 norm (squeezenet1_0 first conv, 96 channels, ratio 0.25)', async () => {
    const m = readOnnxFile(`${DIR}/squeezenet1_0.onnx`);
    const found = await channelPrune.find(m, analyzeModel(m));
    const s = found.find((x) => x.layers[0] === '/features/features.0/Conv')!;
    const conv = m.graph.nodes.find((n) => n.id === s.layers[0])!;
    const W = await toFloat32(m.graph.initializers.get(conv.inputs[1])!);
    const per = W.length / 96;
    const norms = Array.from({ length: 96 }, (_, c) => W.subarray(c * per, (c + 1) * per).reduce((a, v) => a + Math.abs(v), 0));
    const keep = norms.map((v, c) => [v, c]).sort((a, b) => b[0] - a[0]).slice(0, 72).map((x) => x[1]).sort((a, b) => a - b);
    const out = await channelPrune.rewrite(m, s, { ratio: 0.25 }, { withWeights: true });
    const nw = out.graph.nodes.find((n) => n.id === conv.id)!;
    const P = await toFloat32(out.graph.initializers.get(nw.inputs[1])!);
    assert.equal(P.length, 72 * per);
    keep.forEach((c, i) => assert.deepEqual(P.subarray(i * per, (i + 1) * per), W.subarray(c * per, (c + 1) * per)));
  });
});
