// A Keras 3 JSON and its Keras 2 twin of the same architecture give identical analyses. Twins are made
// with our writers (Keras 2 -> Keras 3 with toKeras3Json, Keras 3 -> Keras 2 with toKeras2Json) and
// read back through the full reader, so both dialect paths are exercised on every shared architecture.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Analysis } from '../../../src/core/analysis/types';
import { toKeras2Json } from '../../../src/core/formats/keras/keras2Json';
import { toKeras3Json } from '../../../src/core/formats/keras/keras3Json';
import { analyzeText, KERAS_DIR, kmodelOf, readShared } from './helpers';

function summary(a: Analysis) {
  return {
    totals: a.totals,
    inputs: a.inputs.map((i) => i.shape),
    outputs: a.outputs.map((o) => o.shape),
    layers: a.layers.map((l) => ({ id: l.id, type: l.type, params: l.params, macs: l.macs, flops: l.flops, outputs: l.outputs.map((o) => o.shape), costed: l.costed })),
    // Reasons may name the dialect's module (custom class: '__main__' vs none); names and types must match.
    notCosted: a.notCosted.map((n) => ({ name: n.name, type: n.type })),
  };
}

const SKIP = new Set(['k2_algodm_vae_subclassed_keras_archive_config.json']); // no architecture (error case)
const files = fs.readdirSync(KERAS_DIR).filter((f) => f.endsWith('.json') && !SKIP.has(f));

describe('keras: Keras 3 twin of a Keras 2 model (and back) analyses identically', function () {
  this.timeout(60_000);
  it('finds the shared Keras files', () => assert.ok(files.length >= 29, `only ${files.length} files in ${KERAS_DIR}`));
  for (const name of files) {
    it(name, () => {
      const { text, file } = readShared(name);
      const a = analyzeText(text, file);
      const km = kmodelOf(text);
      const k3 = km.k3Nodes || name.startsWith('k3_');
      const twinText = JSON.stringify(k3 ? toKeras2Json(km) : toKeras3Json(km));
      const twin = analyzeText(twinText, file);
      if (k3) assert.ok(!twinText.includes('__keras_tensor__') && !twinText.includes('"registered_name"'), 'the twin is written in the Keras 2 dialect');
      else assert.ok(twinText.includes('"registered_name"') && (km.sequential || twinText.includes('__keras_tensor__')), 'the twin is written in the Keras 3 dialect');
      assert.deepEqual(summary(twin), summary(a));
    });
  }
});
