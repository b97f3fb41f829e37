import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { looksLikeKerasJson } from '../../../src/extension/kerasDetect';

const kerasDir = path.resolve(__dirname, '../../../../shared/models/keras');

describe('looksLikeKerasJson (recognise Keras by content)', () => {
  // The shared folder's README: every .json there is a Keras/tfjs architecture file, except the
  // subclassed model saved with an empty config (no architecture at all).
  const files = readdirSync(kerasDir).filter((f) => f.endsWith('.json'));

  it('finds the shared Keras JSON files', () => assert.ok(files.length >= 25, `${files.length} files in ${kerasDir}`));

  for (const f of files.filter((x) => x !== 'k2_algodm_vae_subclassed_keras_archive_config.json')) {
    it(`recognises ${f}`, () => assert.equal(looksLikeKerasJson(readFileSync(path.join(kerasDir, f), 'utf8')), true));
  }

  it('rejects JSON that is not a model', () => {
    assert.equal(looksLikeKerasJson('{"name": "x", "version": "1.0.0", "dependencies": {}}'), false);
    assert.equal(looksLikeKerasJson(readFileSync(path.resolve(kerasDir, '../onnx/onnx_manifest.json'), 'utf8')), false);
    // class_name/config without layers: e.g. a serialized optimizer or initializer.
    assert.equal(looksLikeKerasJson('{"class_name": "Adam", "config": {"learning_rate": 0.001}}'), false);
    assert.equal(looksLikeKerasJson('[1, 2, 3]'), false);
    assert.equal(looksLikeKerasJson(''), false);
  });
});
