import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readOnnxFile } from '../../../src/core/formats/onnx/reader';
import { channelPrune } from '../../../src/core/passes/channelPrune';
import { diffAnalyses } from '../../../src/core/passes/delta';
import { TempDir, roundTrip } from './helpers';

describe('channel-prune: the combined prediction is computed (issue 14, defect 4)', function () {
  this.timeout(300_000);
  const tmp = new TempDir();
  after(() => tmp.dispose());

  for (const name of ['squeezenet1_0', 'mobilenet_v3_small']) {
    it(`${name}: "all candidates" Δ = the combined rewrite's re-analysed Δ (not the sum of the singles)`, async () => {
      const m = readOnnxFile(`/work/shared/models/onnx/${name}.onnx`);
      const before = analyzeModel(m);
      const found = await channelPrune.find(m, before);
      const all = found.find((s) => s.detail?.combined === true);
      assert.ok(all, 'no combined suggestion');
      const singles = found.filter((s) => s !== all);
      assert.deepEqual(all.layers, singles.flatMap((s) => s.layers));
      const out = await channelPrune.rewrite(m, all, all.at, { withWeights: true });
      const back = await roundTrip(out, tmp.file(`${name}.onnx`));
      const written = diffAnalyses(before, analyzeModel(back));
      assert.deepEqual(all.delta, written);
      const sum = singles.reduce((a, s) => a + s.delta.params, 0);
      // The singles overlap (a pruned layer's successor shrinks for both): their sum over-promises.
      assert.ok(sum < written.params, `sum of singles ${sum}, combined ${written.params}`);
      console.log(`      ${name}: Σ singles Δparams ${sum}, combined ${written.params}`);
    });
  }
});
