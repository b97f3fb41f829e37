import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { applyTextEdits } from '../../../src/core/formats/keras/textEdit';
import { runApply, runPreview, runSuggest } from '../../../src/extension/engine';

const FILE = path.resolve(__dirname, '../../../../shared/models/keras/k2_advml_autoencoder_seq.json');

/** The preview shows what Apply writes: the same new layer names (it said dense_40_lowrank, the file got dense_40_lr_u). */
describe('preview and apply agree', function () {
  this.timeout(120000);

  it('low-rank on a Keras Dense: the preview\'s new layer is the one written to the file, by name', async () => {
    const text = readFileSync(FILE, 'utf8');
    const sug = await runSuggest({ id: 1, type: 'suggest', file: FILE, text, dims: { batch: 1 } });
    assert.ok(sug.ok);
    const s = sug.suggestions.find((x) => x.id === 'low-rank:dense_40');
    assert.ok(s, 'low-rank:dense_40');
    const pv = await runPreview({ id: 2, type: 'preview', file: FILE, text, dims: { batch: 1 }, suggestion: s, knobs: s.at });
    assert.ok(pv.ok);
    const before = new Set(pv.before.layers.map((l) => l.name));
    const previewNew = pv.after.layers.map((l) => l.name).filter((n) => !before.has(n));
    const ap = await runApply({ id: 3, type: 'apply', file: FILE, text, dims: { batch: 1 }, suggestion: s, knobs: s.at }, () => undefined);
    assert.ok(ap.ok && ap.edits);
    const written = applyTextEdits(text, ap.edits);
    const names = [...written.matchAll(/"name":\s*"([^"]+)"/g)].map((m) => m[1]);
    const writtenNew = [...new Set(names)].filter((n) => !before.has(n) && !text.includes(`"${n}"`));
    assert.deepEqual(previewNew, ['dense_40_lowrank']);
    assert.deepEqual(writtenNew, previewNew);
  });
});
