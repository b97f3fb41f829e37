// Each layer maps to its range in the JSON text; tfjs weights map to byte ranges of their shards.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readKerasJsonFile } from '../../../src/core/formats/keras/reader';
import { analyzeText, modelOf, readShared } from './helpers';

function layerName(o: Record<string, unknown>): unknown {
  return o.name ?? (o.config as Record<string, unknown> | undefined)?.name;
}

describe('keras: source ranges and weight locations', function () {
  this.timeout(60_000);

  for (const name of ['k2_tensorspace_lenet_topology.json', 'tfjs_k2_tensorspace_resnet50.json', 'k3_advml_convnext.json', 'tfjsl_teachablemachine_mobilenetv2_nested.json']) {
    it(`${name}: every node's source range is its layer object`, () => {
      const { text, file } = readShared(name);
      const m = modelOf(text, file);
      for (const n of m.graph.nodes) {
        assert.ok(n.source, `${n.id} has a source range`);
        const obj = JSON.parse(text.slice(n.source.offset, n.source.offset + n.source.length)) as Record<string, unknown>;
        assert.equal(layerName(obj), n.name, n.id);
      }
    });
  }

  it('nested models: inner layers carry the outer model in their scope', () => {
    const { text, file } = readShared('tfjsl_teachablemachine_mobilenetv2_nested.json');
    const m = modelOf(text, file);
    const deep = m.graph.nodes.filter((n) => (n.scope?.length ?? 0) >= 2);
    assert.ok(deep.length > 100, 'three-level nesting flattens with two or more scope levels');
    for (const n of deep) assert.ok(n.id.startsWith(`${n.scope!.join('/')}/`), n.id);
  });

  it('double-encoded JSON: ranges point into the outer string literal (and say so)', () => {
    const { text, file } = readShared('k1_ncondo_lambda_seq_double_encoded.json');
    const m = modelOf(text, file);
    assert.ok(m.warnings.some((w) => /double-encoded/.test(w)));
    for (const n of m.graph.nodes) {
      const raw = text.slice(n.source!.offset, n.source!.offset + n.source!.length);
      const obj = JSON.parse(JSON.parse(`"${raw}"`) as string) as Record<string, unknown>;
      assert.equal(layerName(obj), n.name);
    }
  });

  it('tfjs weightsManifest: each weight is a byte range of its shard file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modellens-tfjs-'));
    try {
      // Dense 3->2 (kernel 6 + bias 2 floats) then Dense 2->1 (2 + 1), in two shards of 24 and 20 bytes:
      // dense_1/bias (8 bytes at 24..32) would span both shards... so shard sizes put it whole in shard 2.
      const topology = { class_name: 'Sequential', config: { name: 's', layers: [
        { class_name: 'Dense', config: { name: 'dense_1', units: 2, batch_input_shape: [null, 3] } },
        { class_name: 'Dense', config: { name: 'dense_2', units: 1 } },
      ] }, keras_version: 'tfjs-layers 4.22.0' };
      const manifest = [{ paths: ['g1.bin', 'g2.bin'], weights: [
        { name: 'dense_1/kernel', shape: [3, 2], dtype: 'float32' },
        { name: 'dense_1/bias', shape: [2], dtype: 'float32' },
        { name: 'dense_2/kernel', shape: [2, 1], dtype: 'float32' },
        { name: 'dense_2/bias', shape: [1], dtype: 'float32' },
      ] }];
      fs.writeFileSync(path.join(dir, 'g1.bin'), Buffer.alloc(24));
      fs.writeFileSync(path.join(dir, 'g2.bin'), Buffer.alloc(20));
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: topology, weightsManifest: manifest }));
      const m = await readKerasJsonFile(path.join(dir, 'model.json'));
      const src = (n: string) => m.graph.initializers.get(n)!.source;
      assert.deepEqual(src('dense_1/kernel'), { kind: 'file', path: path.join(dir, 'g1.bin'), offset: 0, length: 24 });
      assert.deepEqual(src('dense_1/bias'), { kind: 'file', path: path.join(dir, 'g2.bin'), offset: 0, length: 8 });
      assert.deepEqual(src('dense_2/kernel'), { kind: 'file', path: path.join(dir, 'g2.bin'), offset: 8, length: 8 });
      assert.deepEqual(src('dense_2/bias'), { kind: 'file', path: path.join(dir, 'g2.bin'), offset: 16, length: 4 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Keras semantics tfjs gets wrong: causal Conv1D keeps the length, Reshape resolves -1', () => {
    const text = JSON.stringify({ class_name: 'Sequential', keras_version: '2.15.0', config: { name: 's', layers: [
      { class_name: 'Conv1D', config: { name: 'c', filters: 4, kernel_size: 3, dilation_rate: 2, padding: 'causal', batch_input_shape: [null, 20, 5] } },
      { class_name: 'Reshape', config: { name: 'r', target_shape: [-1, 8] } },
    ] } });
    const a = analyzeText(text);
    assert.deepEqual(a.layers[0].outputs[0].shape, ['batch', 20, 4]);
    assert.deepEqual(a.layers[1].outputs[0].shape, ['batch', (20 * 4) / 8, 8]);
  });
});
