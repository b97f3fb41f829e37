// No byte of a file outside the model's folder reaches any output (issue 20). For every format that can
// name another file — ONNX external data, TF.js weightsManifest shards, a .keras / .h5 config holding a
// manifest, HDF5 external links — a model names a canary beside its folder (by absolute path, `..`, or a
// link); analysis JSON, weight statistics, suggestions and the model every suggestion writes (the worker's
// entry points, as the extension runs them) are searched for the canary's values. The same model with the
// canary's bytes *inside* its folder is the control: there they are found, so the search can fail.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { zipSync } from 'fflate';
import * as H from '../../../scripts/fuzz/hostile';
import { isModelError } from '../../../src/core/errors';
import { loadModel } from '../../../src/core/formats';
import { h5Get, loadH5wasm, openH5 } from '../../../src/core/formats/keras/h5';
import { datasetSource } from '../../../src/core/formats/keras/h5Io';
import { onnx } from '../../../src/core/formats/onnx/schema/onnx';
import { runAnalyze, runApply, runSuggest, runWeightStats } from '../../../src/extension/engine';

/** The canary: float32 7.25 (bytes 00 00 e8 40), a value no initializer of these models holds. */
const CANARY = 7.25;
const canaryBytes = (n: number) => new Uint8Array(Float32Array.from({ length: n }, () => CANARY).buffer);
const PATTERN = Buffer.from(canaryBytes(4));

const root = mkdtempSync(path.join(os.tmpdir(), 'ml-canary-'));
let k = 0;

interface Outputs {
  text: string;
  bytes: Uint8Array[];
  errors: string[];
}

/** Everything the worker gives for the model: analysis, weight stats of every layer, suggestions, each one applied. */
async function outputs(file: string, text?: string): Promise<Outputs> {
  const o: Outputs = { text: '', bytes: [], errors: [] };
  const note = (r: { ok: boolean; error?: { message: string } }) => {
    if (!r.ok) o.errors.push(r.error!.message);
  };
  const a = await runAnalyze({ type: 'analyze', id: 1, file, text, dims: {}, motifs: false } as never);
  note(a as never);
  o.text += JSON.stringify(a);
  if (a.ok) {
    for (const l of a.analysis.layers) {
      const s = await runWeightStats({ type: 'weightStats', id: 2, file, text, layerId: l.id });
      note(s as never);
      o.text += JSON.stringify(s);
    }
  }
  const s = await runSuggest({ type: 'suggest', id: 3, file, text, dims: {} });
  note(s as never);
  o.text += JSON.stringify(s);
  if (s.ok) {
    for (const sg of s.suggestions) {
      const r = await runApply({ type: 'apply', id: 4, file, text, dims: {}, suggestion: sg, knobs: sg.at }, () => undefined);
      note(r as never);
      o.text += JSON.stringify({ ...r, bytes: undefined, shards: undefined });
      if (r.ok) {
        if (r.bytes) o.bytes.push(r.bytes);
        for (const sh of r.shards ?? []) o.bytes.push(sh.bytes);
      }
    }
  }
  return o;
}

function leaks(o: Outputs): string[] {
  const found: string[] = [];
  if (/(^|[^\d.])7\.25([^\d]|$)/.test(o.text)) found.push('the value 7.25 in analysis / statistics / suggestions');
  for (const b of o.bytes) if (Buffer.from(b).includes(PATTERN)) found.push('canary bytes in a written model');
  return found;
}

/** A folder `model/` for a case, with the canary beside it (`../canary.bin`, `../canary.h5`). */
function caseDirs(): { dir: string; outside: string } {
  const base = path.join(root, `c${k++}`);
  const dir = path.join(base, 'model');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(base, 'canary.bin'), canaryBytes(64));
  return { dir, outside: base };
}

// ---------------------------------------------------------------- ONNX external data

/** x[1,4] -> MatMul W[4,4] (external: `location`) -> Relu -> MatMul V[4,4] (inline) -> y. */
function onnxModel(location: string): Uint8Array {
  const vi = (name: string) => ({ name, type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 1 }, { dim_value: 4 }] } } } });
  return onnx.ModelProto.encode({
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [
        { op_type: 'MatMul', name: 'mm1', input: ['x', 'W'], output: ['h'] },
        { op_type: 'Relu', name: 'relu', input: ['h'], output: ['r'] },
        { op_type: 'MatMul', name: 'mm2', input: ['r', 'V'], output: ['y'] },
      ],
      input: [vi('x')],
      output: [vi('y')],
      initializer: [
        { name: 'W', data_type: 1, dims: [4, 4], data_location: 1, external_data: [{ key: 'location', value: location }, { key: 'offset', value: '0' }, { key: 'length', value: '64' }] },
        { name: 'V', data_type: 1, dims: [4, 4], float_data: Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0.01 * i)) },
      ],
    },
  }).finish();
}

// ---------------------------------------------------------------- TF.js

/** Dense d1 (4->4) -> Dense d2 (4->2) -> BatchNormalization bn: bn folds into d2, d1 is copied verbatim. */
const TOPOLOGY = {
  class_name: 'Sequential',
  config: {
    name: 's',
    layers: [
      { class_name: 'Dense', config: { name: 'd1', units: 4, batch_input_shape: [null, 4] } },
      { class_name: 'Dense', config: { name: 'd2', units: 2 } },
      { class_name: 'BatchNormalization', config: { name: 'bn', axis: -1, epsilon: 0.001 } },
    ],
  },
};
const MANIFEST_WEIGHTS = [
  ['d1/kernel', [4, 4]], ['d1/bias', [4]], ['d2/kernel', [4, 2]], ['d2/bias', [2]],
  ['bn/gamma', [2]], ['bn/beta', [2]], ['bn/moving_mean', [2]], ['bn/moving_variance', [2]],
].map(([name, shape]) => ({ name, shape, dtype: 'float32' }));

/** The shards: d1's kernel (16 floats) in `first` (the canary's place), the rest in `rest.bin` inside the folder. */
function tfjsModelJson(first: string): string {
  return JSON.stringify({ format: 'layers-model', modelTopology: { model_config: TOPOLOGY }, weightsManifest: [{ paths: [first, 'rest.bin'], weights: MANIFEST_WEIGHTS }] });
}
// d1/bias, d2/kernel, d2/bias, bn gamma, beta, moving_mean, moving_variance.
const REST = new Uint8Array(Float32Array.from([...Array(4).fill(0.1), ...Array(8).fill(0.2), 0, 0, 1, 1, 0, 0, 0, 0, 1, 1]).buffer);

describe('no byte of a file outside the model folder reaches an output (canary)', function () {
  this.timeout(300_000);

  it('control: the canary bytes inside the folder do reach the outputs (the search can fail)', async () => {
    const { dir } = caseDirs();
    writeFileSync(path.join(dir, 'inside.bin'), canaryBytes(16));
    const f = path.join(dir, 'm.onnx');
    writeFileSync(f, onnxModel('inside.bin'));
    assert.ok(leaks(await outputs(f)).length > 0, 'ONNX control');
    writeFileSync(path.join(dir, 'rest.bin'), REST);
    const j = path.join(dir, 'model.json');
    writeFileSync(j, tfjsModelJson('inside.bin'));
    const o = await outputs(j, readFileSync(j, 'utf8'));
    assert.ok(leaks(o).some((l) => l.includes('written model')), `tfjs control: ${leaks(o).join(', ')} / ${o.errors.join(' | ')}`);
  });

  for (const how of ['absolute', 'dotdot', 'symlink'] as const) {
    it(`ONNX external data and TF.js shards naming the canary (${how})`, async () => {
      const { dir, outside } = caseDirs();
      const canary = path.join(outside, 'canary.bin');
      let ref = how === 'absolute' ? canary : '../canary.bin';
      if (how === 'symlink') {
        symlinkSync(canary, path.join(dir, 'link.bin'));
        ref = 'link.bin';
      }
      const f = path.join(dir, 'm.onnx');
      writeFileSync(f, onnxModel(ref));
      const o = await outputs(f);
      assert.deepEqual(leaks(o), []);
      assert.ok(o.errors.length > 0 || /outside|absolute|link/.test(o.text), 'the reference is refused, saying why');
      writeFileSync(path.join(dir, 'rest.bin'), REST);
      const j = path.join(dir, 'model.json');
      writeFileSync(j, tfjsModelJson(ref));
      const t = await outputs(j, readFileSync(j, 'utf8'));
      assert.deepEqual(leaks(t), []);
      assert.ok(t.errors.some((e) => /weightsManifest: shard/.test(e)), t.errors.join(' | '));
    });
  }

  it('a .keras archive and an .h5 whose config is a TF.js model naming the canary: the manifest is ignored', async () => {
    const { dir } = caseDirs();
    const config = JSON.stringify({ format: 'layers-model', modelTopology: { model_config: TOPOLOGY }, weightsManifest: [{ paths: ['../canary.bin', 'rest.bin'], weights: MANIFEST_WEIGHTS }] });
    writeFileSync(path.join(dir, 'rest.bin'), REST);
    const kf = path.join(dir, 'm.keras');
    writeFileSync(kf, zipSync({ 'config.json': new TextEncoder().encode(config), 'metadata.json': new TextEncoder().encode('{"keras_version":"3.3.3"}') }));
    const ko = await outputs(kf);
    assert.deepEqual(leaks(ko), []);
    assert.match(ko.text, /weightsManifest: ignored/);
    const lib = await loadH5wasm();
    const hf = path.join(dir, 'm.h5');
    const h = new lib.File(hf, 'w');
    h.create_attribute('model_config', config);
    h.close();
    const ho = await outputs(hf);
    assert.deepEqual(leaks(ho), []);
    assert.match(ho.text, /weightsManifest: ignored/);
  });

  it('an .h5 whose weights are an external link to the canary file (absolute, relative)', async () => {
    const lib = await loadH5wasm();
    const { dir, outside } = caseDirs();
    const canary = path.join(outside, 'canary.h5');
    H.h5Canary(CANARY)(lib, canary);
    for (const target of [canary, '../canary.h5']) {
      const f = path.join(dir, `m${k++}.h5`);
      H.h5ExternalLink(target)(lib, f);
      const o = await outputs(f);
      assert.deepEqual(leaks(o), []);
      assert.ok(o.errors.some((e) => /external link/.test(e)), o.errors.join(' | '));
    }
  });

  it('an .h5 whose dataset has external storage or is a virtual dataset over the canary (written with h5py)', async () => {
    const { dir, outside } = caseDirs();
    const script = `
import h5py, numpy as np, json, sys
out, canary_bin, canary_h5 = sys.argv[1:4]
cfg = json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"name": "in", "batch_input_shape": [None, 2]}}, {"class_name": "Dense", "config": {"name": "dense", "units": 2, "use_bias": False}}]}})
with h5py.File(canary_h5, "w") as c:
    c.create_dataset("k", data=np.full((2, 2), 7.25, dtype="<f4"))
with h5py.File(out + "/ext.h5", "w") as f:
    f.attrs["model_config"] = cfg
    f.create_group("model_weights/dense/dense").create_dataset("kernel:0", shape=(2, 2), dtype="<f4", external=[(canary_bin, 0, 16)])
with h5py.File(out + "/vds.h5", "w") as f:
    f.attrs["model_config"] = cfg
    lay = h5py.VirtualLayout(shape=(2, 2), dtype="<f4")
    lay[:] = h5py.VirtualSource(canary_h5, "k", shape=(2, 2))
    f.create_group("model_weights/dense/dense").create_virtual_dataset("kernel:0", lay)
`;
    try {
      execFileSync('/usr/bin/python3', ['-c', script, dir, path.join(outside, 'canary.bin'), path.join(outside, 'canary.h5')], { stdio: 'pipe' });
    } catch (e) {
      assert.fail(`this test needs /usr/bin/python3 with h5py (apt python3-h5py, installed by scripts/test-deps.sh): ${String((e as { stderr?: Buffer }).stderr ?? e).split('\n').slice(-2).join(' ')}`);
    }
    await assert.rejects(loadModel(path.join(dir, 'vds.h5')), (e: unknown) => isModelError(e) && /is a virtual dataset reading ".*canary\.h5": ModelLens reads only the model file/.test(e.message));
    // External storage: the structure analyses (values are not read); reading the values is refused.
    const lib = await loadH5wasm();
    const f = await openH5(path.join(dir, 'ext.h5'));
    try {
      const ds = h5Get(lib, f, '/model_weights/dense/dense/kernel:0');
      assert.throws(() => datasetSource(ds as never), (e: unknown) => isModelError(e) && /refers to another file ".*canary\.bin" \(external link, external storage or virtual dataset\)/.test(e.message) && !e.message.includes('\n'));
    } finally {
      f.close();
    }
    for (const name of ['ext.h5', 'vds.h5']) assert.deepEqual(leaks(await outputs(path.join(dir, name))), [], name);
  });
});
