// .keras archives, full-model .h5 files and the one-line errors for files that are not models.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { isModelError } from '../../../src/core/errors';
import { loadModel } from '../../../src/core/formats';
import { loadH5wasm } from '../../../src/core/formats/keras/h5';
import { readKerasArchive } from '../../../src/core/formats/keras/archive';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { modelOf, readShared, sharedFile } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'modellens-keras-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, data: Uint8Array | string): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, data);
  return f;
}

async function loadError(file: string): Promise<string> {
  try {
    await loadModel(file);
  } catch (e) {
    assert.ok(isModelError(e), `expected a ModelError, got ${(e as Error).stack}`);
    assert.ok(!(e as Error).message.includes('\n'), `one line: ${(e as Error).message}`);
    return (e as Error).message;
  }
  assert.fail(`${file} loaded without error`);
}

function paramsOf(m: ReturnType<typeof modelOf>): number {
  return analyzeModel(m).totals.params;
}

describe('keras: containers and errors', function () {
  this.timeout(60_000);

  it('.keras archive: config.json is read, weights stay in model.weights.h5', async () => {
    const { text } = readShared('k2_alielgamel_nst_keras_archive_config.json');
    const zip = zipSync({
      'metadata.json': strToU8(JSON.stringify({ keras_version: '2.13.1', date_saved: '2023-10-14@00:00:00' })),
      'config.json': strToU8(text),
      'model.weights.h5': [new Uint8Array(4096), { level: 0 }],
    });
    const f = write('nst.keras', zip);
    const m = await loadModel(f);
    assert.equal(m.format, 'keras');
    assert.equal(m.metadata.keras_version, '2.13.1');
    assert.match(m.metadata.weights, /stored at offset \d+/);
    assert.equal(paramsOf(m), paramsOf(modelOf(text)));
    // Published by tfjs for this file (SOURCES.md): 335,120 params.
    assert.equal(paramsOf(m), 335_120);
    const w = [...m.graph.initializers.values()][0];
    assert.equal(w.source.kind, 'absent');
  });

  it('.keras zip bomb: a member that expands beyond the ratio limit is refused', async () => {
    const huge = new Uint8Array(64 * 2 ** 20).fill(0x20); // 64 MB of spaces deflate ~1000x
    const f = write('bomb.keras', zipSync({ 'config.json': huge }, { level: 9 }));
    assert.match(await loadError(f), /expands \d+x .*zip bomb/);
  });

  it('.keras with a path-traversal entry is refused', async () => {
    const f = write('evil.keras', zipSync({ '../../etc/evil': strToU8('x'), 'config.json': strToU8('{}') }));
    assert.match(await loadError(f), /unsafe path/);
  });

  it('.keras without config.json, and a truncated zip', async () => {
    assert.match(await loadError(write('noconfig.keras', zipSync({ 'other.txt': strToU8('x') }))), /no config\.json/);
    const good = zipSync({ 'config.json': strToU8('{}') });
    assert.match(await loadError(write('trunc.keras', good.subarray(0, 20))), /corrupt \.keras archive/);
  });

  it('full-model .h5: model_config attribute, weights located by dataset', async () => {
    const h5 = await loadH5wasm();
    const { text } = readShared('k2_tensorspace_lenet_topology.json');
    const f = path.join(tmp, 'lenet.h5');
    const file = new h5.File(f, 'w');
    file.create_attribute('model_config', text);
    file.create_attribute('keras_version', '2.2.2');
    const g = file.create_group('model_weights');
    // LeNet's first conv: 5x5x1x6 kernel (hand-computed from the JSON: kernel_size 5, 1 channel, 6 filters).
    const lname = (JSON.parse(text).config as { config: { name: string }; class_name: string }[]).find((l) => l.class_name === 'Conv2D')!.config.name;
    g.create_group(lname).create_group(lname).create_dataset({ name: 'kernel:0', data: new Float32Array(5 * 5 * 1 * 6), shape: [5, 5, 1, 6] });
    file.close();
    const m = await loadModel(f);
    assert.equal(m.format, 'keras');
    assert.equal(m.producer, 'Keras 2.2.2');
    assert.equal(paramsOf(m), paramsOf(modelOf(text)));
    const k = m.graph.initializers.get(`${lname}/kernel`)!;
    assert.deepEqual(k.dims, [5, 5, 1, 6]);
    assert.equal(k.source.kind, 'absent');
    assert.match((k.source as { reason: string }).reason, new RegExp(`/model_weights/${lname}/${lname}/kernel:0`));
  });

  it('corrupt .h5 and an .h5 without model_config: one-line errors', async () => {
    const bad = write('bad.h5', Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2000, 7)]));
    assert.match(await loadError(bad), /corrupt HDF5 file/);
    const h5 = await loadH5wasm();
    const f = path.join(tmp, 'weights-only.h5');
    const file = new h5.File(f, 'w');
    file.create_group('layers');
    file.close();
    assert.match(await loadError(f), /no model_config attribute/);
  });

  it('malformed JSON: the parser error with line and column', async () => {
    const f = write('bad.json', '{\n  "class_name": "Sequential",\n  "config": [ }\n');
    assert.match(await loadError(f), /not valid JSON: .* at line 3, column \d+/);
  });

  it('Python NaN/Infinity in the JSON are read (offsets kept), with a warning', async () => {
    const text = '{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 2, "batch_input_shape": [null, 3], "x": NaN, "y": -Infinity}}]}}';
    const m = await loadModel(write('nan.json', text));
    assert.ok(m.warnings.some((w) => /NaN/.test(w)));
    assert.equal(paramsOf(m), 3 * 2 + 2);
    const n = m.graph.nodes[0];
    assert.equal(JSON.parse(text.slice(n.source!.offset, n.source!.offset + n.source!.length).replace('NaN', '0').replace('-Infinity', '0')).config.name, 'd');
  });

  it('JSON that is not a model, and a tfjs graph model', async () => {
    assert.match(await loadError(write('notmodel.json', '{"name": "x", "value": [1, 2]}')), /JSON is not a Keras model/);
    assert.match(await loadError(write('graph.json', '{"format": "graph-model", "modelTopology": {"node": []}}')), /graph-model is not a Keras layers model/);
  });

  it('the subclassed model saved with an empty config: a clear error', async () => {
    assert.match(await loadError(sharedFile('k2_algodm_vae_subclassed_keras_archive_config.json')), /"VAE" is a subclassed model saved without an architecture/);
  });

  it('readKerasArchive honours smaller limits', async () => {
    const { text } = readShared('k2_advml_autoencoder_seq.json');
    const f = write('small.keras', zipSync({ 'config.json': strToU8(text) }));
    await assert.rejects(readKerasArchive(f, { maxMemberBytes: 100, maxRatio: 200, maxEntries: 10 }), /limit 100/);
  });
});
