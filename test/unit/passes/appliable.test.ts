import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { loadModel } from '../../../src/core/formats/index';
import { applyKerasText } from '../../../src/core/apply/keras/tfjsApply';
import { suggestAll } from '../../../src/core/passes/registry';
import { previewView } from '../../../src/extension/hints';

const KERAS = '/work/shared/models/keras';

async function suggestionsOf(file: string) {
  const m = await loadModel(file);
  const a = analyzeModel(m);
  return { m, a, ...(await suggestAll(m, a, { measureBudget: 1e6 })) };
}

/** appliable is a prediction: Apply (the editor's Keras text path) succeeds exactly when it says so. */
async function predictionHolds(file: string, suggestions: Awaited<ReturnType<typeof suggestionsOf>>['suggestions']): Promise<void> {
  const text = readFileSync(file, 'utf8');
  for (const s of suggestions) {
    let failure = '';
    try {
      await applyKerasText(text, file, s, s.at, {});
    } catch (e) {
      failure = (e as Error).message;
    }
    assert.equal(failure === '', s.appliable, `${s.id}: appliable ${s.appliable}, Apply ${failure || 'succeeded'}`);
  }
}

describe('passes: hints that cannot be applied say what they need (issue 14, defect 2)', function () {
  this.timeout(300_000);

  it('Keras JSON without weights (k3_advml_convnext): channel-prune and cluster are marked not appliable, with what they need', async () => {
    const { suggestions, a } = await suggestionsOf(`${KERAS}/k3_advml_convnext.json`);
    const fromValues = suggestions.filter((s) => s.pass === 'channel-prune' || s.pass === 'cluster');
    assert.ok(fromValues.length > 0);
    for (const s of fromValues) {
      assert.equal(s.appliable, false, s.id);
      assert.match(s.needs ?? '', /needs the weights.*\.h5/);
    }
    // Structure-only passes are JSON edits: they apply to the architecture alone.
    for (const s of suggestions.filter((x) => x.pass === 'low-rank' || x.pass === 'bn-fold' || x.pass === 'depthwise-separable')) assert.equal(s.appliable, true, s.id);
    await predictionHolds(`${KERAS}/k3_advml_convnext.json`, suggestions);
    // The preview says it instead of an Apply that would fail.
    const v = previewView(fromValues[0], fromValues[0].at, { before: a, after: a, errors: [] });
    assert.equal(v.applyDisabled, fromValues[0].needs);
  });

  it('tfjs model.json whose shards are absent: every weight-changing suggestion is not appliable, and Apply indeed fails', async () => {
    const file = `${KERAS}/tfjs_k3_fadhilah_cnn_seq.json`;
    const { suggestions } = await suggestionsOf(file);
    const weighty = suggestions.filter((s) => s.pass !== 'cleanup');
    assert.ok(weighty.length > 0);
    for (const s of weighty) {
      assert.equal(s.appliable, false, s.id);
      assert.match(s.needs ?? '', /shard/);
    }
    await predictionHolds(file, suggestions);
  });

  it('an ONNX file with its weights: every suggestion is appliable', async () => {
    const { suggestions } = await suggestionsOf('/work/shared/models/onnx/squeezenet1_0.onnx');
    assert.ok(suggestions.length > 0);
    for (const s of suggestions) {
      assert.equal(s.appliable, true, s.id);
      assert.equal(s.needs, undefined);
    }
  });
});
