import assert from 'node:assert/strict';
import { dimText, elementCount } from '../../../src/core/ir';
import { readOnnx } from '../../../src/core/formats/onnx/reader';
import { dtypeFromOnnx } from '../../../src/core/ir/onnxDtypes';
import { extraOf } from '../../../src/core/formats/onnx/extras';
import { onnx } from '../../../src/core/formats/onnx/schema/onnx';
import { loadModel } from '../../../src/core/formats';
import { manifest, sharedModel, type ManifestValue } from './helpers';
import type { ValueInfo } from '../../../src/core/ir';

// Expected values come from onnx_manifest.json (written by the onnx python package at export time).
const dtypeOf = (name: string) => dtypeFromOnnx((onnx.TensorProto.DataType as unknown as Record<string, number>)[name]);

function sameValue(v: ValueInfo, m: ManifestValue): void {
  assert.equal(v.name, m.name);
  assert.equal(v.dtype, dtypeOf(m.dtype));
  assert.deepEqual(v.shape?.map(dimText), m.shape.map(String));
}

describe('onnx reader: shared models match onnx_manifest.json', () => {
  for (const entry of manifest()) {
    it(entry.file, async () => {
      const model = await readOnnx(sharedModel(entry.file));
      const ref = entry.onnx;
      const g = model.graph;
      assert.deepEqual(model.warnings, []);
      assert.equal(extraOf(model)?.irVersion, ref.ir_version);
      const opsets = Object.fromEntries(Object.entries(ref.opset_import).map(([d, v]) => [d === 'ai.onnx' ? '' : d, v]));
      assert.deepEqual(model.opsets, opsets);
      assert.equal(g.nodes.length, ref.node_count);
      const hist: Record<string, number> = {};
      for (const n of g.nodes) hist[n.opType] = (hist[n.opType] ?? 0) + 1;
      assert.deepEqual(hist, ref.op_histogram);
      assert.equal(g.inputs.length, ref.inputs.length);
      ref.inputs.forEach((m, i) => sameValue(g.inputs[i], m));
      assert.equal(g.outputs.length, ref.outputs.length);
      ref.outputs.forEach((m, i) => sameValue(g.outputs[i], m));
      assert.equal(g.initializers.size, ref.initializer_count);
      let elems = 0;
      const byDtype: Record<string, number> = {};
      for (const t of g.initializers.values()) {
        elems += elementCount(t);
        byDtype[t.dtype] = (byDtype[t.dtype] ?? 0) + elementCount(t);
      }
      assert.equal(elems, ref.initializer_elems);
      assert.deepEqual(byDtype, Object.fromEntries(Object.entries(ref.initializer_elems_by_dtype).map(([k, v]) => [dtypeOf(k), v])));
      const external = [...g.initializers.values()].filter((t) => t.source.kind === 'file' && t.source.path !== model.file);
      assert.equal(external.length, ref.external_initializers);
      assert.equal(g.nodes.filter((n) => n.opType === 'Constant').length, ref.constant_nodes);
      assert.equal(new Set(g.nodes.map((n) => n.id)).size, g.nodes.length, 'node ids are unique');
    });
  }

  it('loadModel dispatches .onnx files to this reader', async () => {
    const m = await loadModel(sharedModel('conv1d_audio.onnx'));
    assert.equal(m.format, 'onnx');
    assert.equal(m.graph.nodes.length, manifest().find((x) => x.file === 'conv1d_audio.onnx')!.onnx.node_count);
  });

  it('records each node\'s byte range in the file', async () => {
    const file = sharedModel('squeezenet1_0.onnx');
    const m = await readOnnx(file);
    const bytes = require('node:fs').readFileSync(file) as Buffer;
    for (const n of m.graph.nodes.slice(0, 10)) {
      const decoded = onnx.NodeProto.decode(bytes.subarray(n.source!.offset, n.source!.offset + n.source!.length));
      assert.equal(decoded.name, n.name);
      assert.equal(decoded.op_type, n.opType);
    }
  });
});
