import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import * as pb from 'protobufjs/minimal';
import { loadModel } from '../../../src/core/formats';
import { onnx } from '../../../src/core/formats/onnx/schema/onnx';
import { floatText, intText, jsonText, modelDetails, PREVIEW_VALUES } from '../../../src/extension/nodeDetails';
import type { NodeDetailsView } from '../../../webview/protocol';
import { pythonWithOnnx, sharedModel, tmpDir, writeModel } from '../onnx/helpers';

const PY = pythonWithOnnx();

/** What the onnx Python package reads from the file: attributes (ints/floats/strings) and first values. */
function oracle(file: string): { nodes: { name: string; attrs: Record<string, unknown> }[]; inits: Record<string, { dtype: string; dims: number[]; first: number[] }> } {
  assert.ok(PY, 'python3 with the onnx package is needed (scripts/test-deps.sh installs python3-onnx)');
  const script = `
import json, sys, onnx
from onnx import numpy_helper, helper
m = onnx.load(sys.argv[1])
nodes = [{"name": n.name, "attrs": {a.name: helper.get_attribute_value(a) if a.type in (1, 2, 3, 6, 7, 8) else None for a in n.attribute}} for n in m.graph.node]
for n in nodes:
    for k, v in list(n["attrs"].items()):
        if isinstance(v, bytes): n["attrs"][k] = v.decode()
        elif isinstance(v, list): n["attrs"][k] = [x.decode() if isinstance(x, bytes) else x for x in v]
inits = {}
for t in m.graph.initializer:
    a = numpy_helper.to_array(t, base_dir=__import__("os").path.dirname(sys.argv[1]))
    inits[t.name] = {"dtype": str(a.dtype), "dims": list(t.dims), "first": [float(x) for x in a.reshape(-1)[:${PREVIEW_VALUES}]]}
print(json.dumps({"nodes": nodes, "inits": inits}))
`;
  return JSON.parse(execFileSync(PY, ['-c', script, file], { encoding: 'utf8', maxBuffer: 64 << 20 }));
}

const DTYPE: Record<string, string> = { float32: 'float32', int64: 'int64', float16: 'float16' };

/** Our texts against the onnx package's values, for every node and initializer of the model. */
async function checkAgainstOracle(file: string): Promise<Record<string, NodeDetailsView>> {
  const model = await loadModel(file);
  const details = await modelDetails(model, file);
  const o = oracle(file);
  assert.equal(model.graph.nodes.length, o.nodes.length);
  let attrs = 0;
  let inits = 0;
  model.graph.nodes.forEach((n, i) => {
    const d = details[n.id];
    assert.ok(d, `no details for ${n.id}`);
    const want = o.nodes[i].attrs;
    assert.deepEqual(d.attributes.map((a) => a.name).sort(), Object.keys(want).sort(), `attribute names of ${n.name}`);
    for (const a of d.attributes) {
      const w = want[a.name];
      if (w === null) continue;
      attrs++;
      const text = Array.isArray(w)
        ? `[${w.map((x) => (typeof x === 'string' ? JSON.stringify(x) : a.kind === 'floats' ? floatText(x as number) : intText(x as number))).join(', ')}]`
        : typeof w === 'string' ? JSON.stringify(w) : a.kind === 'float' ? floatText(w as number) : String(w);
      assert.equal(a.text, text, `${n.name}.${a.name}`);
    }
    for (const t of d.initializers) {
      const w = o.inits[t.name];
      assert.ok(w, `${t.name} is not an initializer of the file`);
      inits++;
      assert.deepEqual(t.shape, w.dims, `${t.name} shape`);
      assert.equal(t.dtype, DTYPE[w.dtype] ?? w.dtype, `${t.name} dtype`);
      const all = w.dims.reduce((x, y) => x * y, 1);
      assert.equal(t.valuesShown, Math.min(all, PREVIEW_VALUES), `${t.name}: values shown`);
      const shown = t.values!.replace(/^\[|(, …)?\]$/g, '').split(', ').map(Number);
      // float32 text that reads back as the same float32.
      shown.forEach((x, j) => assert.equal(Math.fround(x), Math.fround(w.first[j]), `${t.name}[${j}]: ${x} vs ${w.first[j]}`));
      assert.equal(t.values!.endsWith(', …]'), all > PREVIEW_VALUES);
      assert.equal(t.bytes, all * (t.dtype === 'float32' ? 4 : t.dtype === 'int64' ? 8 : 2));
    }
  });
  assert.ok(attrs > 0 && inits > 0, `compared ${attrs} attributes and ${inits} initializers`);
  return details;
}

describe('node details (the details panel\'s attributes and weights)', function () {
  this.timeout(120000);

  it('squeezenet1_0: every Conv attribute and every weight agree with the onnx package; weights in the model file at their offset', async () => {
    const file = sharedModel('squeezenet1_0.onnx');
    const d = await checkAgainstOracle(file);
    const conv = Object.values(d)[0];
    assert.deepEqual(conv.attributes.map((a) => `${a.name}=${a.text}`), ['dilations=[1, 1]', 'group=1', 'kernel_shape=[7, 7]', 'pads=[0, 0, 0, 0]', 'strides=[2, 2]']);
    assert.deepEqual(conv.initializers.map((t) => t.name), ['features.0.weight', 'features.0.bias']);
    assert.equal(conv.initializers[0].bytes, 96 * 3 * 7 * 7 * 4);
    assert.match(conv.initializers[0].storage, /^in the model file at byte [\d,]+$/);
  });

  it('external data: the storage names the data file and the offset', async () => {
    const file = sharedModel('squeezenet1_1_extdata.onnx');
    const d = await checkAgainstOracle(file);
    const ext = Object.values(d).flatMap((x) => x.initializers).filter((t) => t.storage.startsWith('external file squeezenet1_1_extdata.onnx.data at byte '));
    assert.ok(ext.length > 0, 'initializers stored in squeezenet1_1_extdata.onnx.data');
  });

  it('tensor attributes (int64 exact, INT64_MAX as written), subgraph bodies with their nodes, strings and floats', async () => {
    const dir = tmpDir('details');
    const T = onnx.AttributeProto.AttributeType;
    const Long = pb.util.Long as unknown as { MAX_VALUE: number; fromString(s: string): number };
    const int64 = new Uint8Array(new BigInt64Array([1n, -1n, 9007199254740993n]).buffer);
    const body: onnx.GraphProto.$Properties = {
      name: 'then', node: [{ op_type: 'Identity', name: 'pass', input: ['x'], output: ['y'] }],
      output: [{ name: 'y', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 2 }] } } } }],
    };
    const file = writeModel(path.join(dir, 'attrs.onnx'), {
      ir_version: 10, opset_import: [{ version: 21 }],
      graph: {
        name: 'main',
        node: [
          { op_type: 'Constant', name: 'shape', output: ['s'], attribute: [{ name: 'value', type: T.TENSOR, t: { data_type: 7, dims: [3], raw_data: int64 } }] },
          { op_type: 'If', name: 'branch', input: ['c'], output: ['y'], attribute: [{ name: 'then_branch', type: T.GRAPH, g: body }, { name: 'else_branch', type: T.GRAPH, g: body }] },
          { op_type: 'Slice', name: 'slice', input: ['y'], output: ['z'], attribute: [
            { name: 'ends', type: T.INTS, ints: [Long.MAX_VALUE, -1] },
            { name: 'mode', type: T.STRING, s: new TextEncoder().encode('constant') },
            { name: 'alpha', type: T.FLOAT, f: 1e-5 },
          ] },
        ],
        input: [{ name: 'c', type: { tensor_type: { elem_type: 9, shape: { dim: [] } } } }],
        output: [{ name: 'z', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 2 }] } } } }],
      },
    });
    const model = await loadModel(file);
    const d = await modelDetails(model, file);
    const [c, iff, slice] = model.graph.nodes.map((n) => d[n.id]);
    const v = c.attributes[0];
    assert.equal(v.kind, 'tensor');
    assert.equal(v.tensor?.dtype, 'int64');
    assert.deepEqual(v.tensor?.shape, [3]);
    assert.equal(v.tensor?.bytes, 24);
    // 2^53 + 1 is not a double: exact only when decoded as int64.
    assert.equal(v.tensor?.values, '[1, -1, 9007199254740993]');
    assert.equal(v.text, 'int64[3] [1, -1, 9007199254740993]');
    assert.deepEqual(iff.attributes.map((a) => a.name), ['then_branch', 'else_branch']);
    assert.equal(iff.attributes[0].text, 'graph "then" with 1 node, 0 inputs, 1 output');
    assert.deepEqual(iff.attributes[0].graphs?.[0].nodes, [{ type: 'Identity', name: 'pass' }]);
    assert.deepEqual(slice.attributes.map((a) => `${a.name}=${a.text}`), ['ends=[9223372036854775807, -1]', 'mode="constant"', 'alpha=0.00001']);
  });

  it('Keras: every config entry of a layer is an attribute, as one-line JSON', async () => {
    const file = path.resolve(sharedModel('x'), '..', '..', 'keras', 'k2_advml_autoencoder_seq.json');
    const model = await loadModel(file);
    const d = await modelDetails(model, file);
    const dense = model.graph.nodes.find((n) => n.opType === 'Dense')!;
    const attrs = Object.fromEntries(d[dense.id].attributes.map((a) => [a.name, a.text]));
    assert.equal(attrs.units, '260');
    assert.equal(attrs.activation, '"gelu"'); // the file: "activation": "gelu"
    assert.ok(Object.keys(attrs).length >= 5, Object.keys(attrs).join(', '));
    for (const t of Object.values(attrs)) assert.ok(!t.includes('\n'), t);
  });

  it('jsonText keeps strings intact and puts spaces between tokens only', () => {
    assert.equal(jsonText({ a: [1, 2], b: 'x,"y":z', c: { d: null } }), '{"a": [1, 2], "b": "x,\\"y\\":z", "c": {"d": null}}');
    assert.equal(floatText(Math.fround(0.1)), '0.1');
    assert.equal(floatText(Math.fround(1e-5)), '0.00001');
  });
});
