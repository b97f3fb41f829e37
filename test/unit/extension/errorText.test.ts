import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadModel } from '../../../src/core/formats';
import { runAnalyze } from '../../../src/extension/engine';
import { sizeText, userFacingError } from '../../../src/extension/errorText';
import { sharedModel, tmpDir } from '../onnx/helpers';

describe('reader errors in the user\'s words', () => {
  const full = readFileSync(sharedModel('squeezenet1_0.onnx'));

  for (const cut of [4000, Math.floor(full.length / 2)]) {
    it(`a .onnx cut at ${cut} of ${full.length} bytes: "the file ends after … of at least …", the protobuf detail kept for the log`, async () => {
      const file = path.join(tmpDir('cut'), 'truncated.onnx');
      writeFileSync(file, full.subarray(0, cut));
      const res = await runAnalyze({ id: 1, type: 'analyze', file, dims: {}, motifs: false });
      assert.equal(res.ok, false);
      if (res.ok) return;
      assert.equal(res.error.message, `the file ends after ${sizeText(cut)} of at least ${sizeText(full.length)}: it is truncated (an interrupted download or copy?). Download or export the model again.`);
      assert.doesNotMatch(res.error.message, /field|offset|ModelProto|claims/);
      // The reader's own account, for the log.
      await assert.rejects(loadModel(file), (e: Error) => e.message === res.error.detail);
    });
  }

  it('also from the unsaved bytes of an edited document', async () => {
    const res = await runAnalyze({ id: 2, type: 'analyze', file: '/nowhere/m.onnx', bytes: new Uint8Array(full.subarray(0, 100000)), dims: {}, motifs: false });
    assert.ok(!res.ok && res.error.message.startsWith('the file ends after 100 KB of at least 5.0 MB'), JSON.stringify(res));
  });

  it('other errors pass through unchanged', () => {
    const e = { message: 'not an ONNX model: bad magic', code: 'invalid' };
    assert.equal(userFacingError(e, 10), e);
    assert.equal(sizeText(999), '999 bytes');
    assert.equal(sizeText(2_400_000), '2.4 MB');
  });
});
