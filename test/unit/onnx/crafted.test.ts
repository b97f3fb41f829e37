import assert from 'node:assert/strict';
import { copyFileSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as pb from 'protobufjs/minimal';
import { readOnnx } from '../../../src/core/formats/onnx/reader';
import { writeOnnx } from '../../../src/core/formats/onnx/writer';
import { onnx } from '../../../src/core/formats/onnx/schema/onnx';
import { readTensorBytes, toFloat32 } from '../../../src/core/tensor/bytes';
import { isModelError, type ModelError } from '../../../src/core/errors';
import { elementCount, subgraphsOf, type Graph } from '../../../src/core/ir';
import { floatBytes, sharedModel, tmpDir, writeModel } from './helpers';

type P<T> = T;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const vi = (name: string, elem: number, dims: number[]): onnx.ValueInfoProto.$Properties => ({
  name, type: { tensor_type: { elem_type: elem, shape: { dim: dims.map((d) => ({ dim_value: d })) } } },
});

function addModel(initializer: onnx.TensorProto.$Properties, extra: Partial<onnx.GraphProto.$Properties> = {}): P<onnx.ModelProto.$Properties> {
  return {
    ir_version: 10,
    opset_import: [{ domain: '', version: 21 }],
    graph: {
      name: 'g',
      node: [{ op_type: 'Add', input: ['x', initializer.name!], output: ['y'], name: 'add' }],
      initializer: [initializer],
      input: [vi('x', FLOAT, [2])],
      output: [vi('y', FLOAT, [2])],
      ...extra,
    },
  };
}

const rejectsWith = (re: RegExp, code?: ModelError['code']) => (e: unknown) => {
  assert.ok(isModelError(e), `expected a ModelError, got ${(e as Error)?.stack ?? e}`);
  assert.match(e.message, re);
  assert.ok(!e.message.includes('\n'), 'one line');
  if (code) assert.equal(e.code, code);
  return true;
};

describe('onnx reader: external data', () => {
  const dir = tmpDir('ext');
  const ext = (location: string, offset: number, length: number) => addModel({
    name: 'w', data_type: FLOAT, dims: [2], data_location: onnx.TensorProto.DataLocation.EXTERNAL,
    external_data: [{ key: 'location', value: location }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(length) }],
  });
  writeFileSync(path.join(dir, 'w.bin'), Buffer.concat([Buffer.alloc(8), Buffer.from(floatBytes([3, 4]))]));

  it('resolves location/offset/length relative to the model file', async () => {
    const m = await readOnnx(writeModel(path.join(dir, 'ok.onnx'), ext('w.bin', 8, 8)));
    assert.deepEqual(m.warnings, []);
    const t = m.graph.initializers.get('w')!;
    assert.deepEqual(t.source, { kind: 'file', path: path.join(dir, 'w.bin'), offset: 8, length: 8 });
    assert.deepEqual([...(await toFloat32(t))], [3, 4]);
  });

  // Broken references are warnings, not errors: the structure is intact, only those weights are missing.
  const broken: [string, string, number, number, RegExp][] = [
    ['missing file', 'nope.bin', 0, 8, /"nope.bin" is missing/],
    ['path escaping the folder', '../../etc/passwd', 0, 8, /outside the model's folder/],
    ['absolute path', '/etc/passwd', 0, 8, /absolute path/],
    ['offset+length past the end', 'w.bin', 12, 8, /runs past the end/],
    ['length not matching the dims', 'w.bin', 0, 12, /does not match/],
  ];
  for (const [what, loc, off, len, re] of broken) {
    it(`${what}: warning, weights absent, reading them is a ModelError`, async () => {
      const m = await readOnnx(writeModel(path.join(dir, `${what.replace(/\W+/g, '_')}.onnx`), ext(loc, off, len)));
      assert.equal(m.warnings.length, 1);
      assert.match(m.warnings[0], re);
      const t = m.graph.initializers.get('w')!;
      assert.equal(t.source.kind, 'absent');
      await assert.rejects(readTensorBytes(t), rejectsWith(re, 'io'));
      await assert.rejects(writeOnnx(m, path.join(dir, 'out.onnx')), rejectsWith(re, 'io'));
    });
  }

  it('a symbolic link out of the folder is not followed', async () => {
    symlinkSync('/etc/hostname', path.join(dir, 'link.bin'));
    const m = await readOnnx(writeModel(path.join(dir, 'link.onnx'), ext('link.bin', 0, 8)));
    assert.match(m.warnings[0], /link to a file outside/);
  });

  it('the shared external-data model without its .data file: one warning for all 31 tensors', async () => {
    const d = tmpDir('nodata');
    copyFileSync(sharedModel('squeezenet1_1_extdata.onnx'), path.join(d, 'm.onnx'));
    const m = await readOnnx(path.join(d, 'm.onnx'));
    assert.equal(m.warnings.length, 1);
    assert.match(m.warnings[0], /is missing.*\(31 times\)/);
    assert.equal([...m.graph.initializers.values()].filter((t) => t.source.kind === 'absent').length, 31);
  });
});

describe('onnx reader: ONNX 1.20 schema, unknown fields, subgraphs', () => {
  const dir = tmpDir('crafted');

  it('reads FLOAT8 / INT4 / FLOAT4 / INT2 initializers with packed byte sizes', async () => {
    const DT = onnx.TensorProto.DataType;
    // sub-byte types pack: int4 x3 -> ceil(12/8) = 2 bytes, float4e2m1 x5 -> 3 bytes, int2 x5 -> 2 bytes.
    const inits: onnx.TensorProto.$Properties[] = [
      { name: 'f8', data_type: DT.FLOAT8E4M3FN, dims: [4], raw_data: new Uint8Array(4) },
      { name: 'f8m0', data_type: DT.FLOAT8E8M0, dims: [2], raw_data: new Uint8Array(2) },
      { name: 'i4', data_type: DT.INT4, dims: [3], raw_data: new Uint8Array(2) },
      { name: 'f4', data_type: DT.FLOAT4E2M1, dims: [5], raw_data: new Uint8Array(3) },
      { name: 'i2', data_type: DT.INT2, dims: [5], raw_data: new Uint8Array(2) },
    ];
    const m = await readOnnx(writeModel(path.join(dir, 'types.onnx'), addModel({ name: 'w', data_type: FLOAT, dims: [2], raw_data: floatBytes([1, 2]) }, { initializer: [{ name: 'w', data_type: FLOAT, dims: [2], float_data: [1, 2] }, ...inits] })));
    assert.deepEqual(m.warnings, []);
    assert.deepEqual(['f8', 'f8m0', 'i4', 'f4', 'i2'].map((n) => m.graph.initializers.get(n)!.dtype), ['float8e4m3fn', 'float8e8m0', 'int4', 'float4e2m1', 'int2']);
    assert.deepEqual([...(await toFloat32(m.graph.initializers.get('w')!))], [1, 2], 'float_data decodes');
  });

  it('NodeProto.metadata_props, doc strings and unknown fields survive read -> write', async () => {
    const unknownVarint = pb.Writer.create().uint32((99 << 3) | 0).uint32(7).finish();
    const model = addModel({ name: 'w', data_type: FLOAT, dims: [2], raw_data: floatBytes([1, 2]), doc_string: 'weights' });
    const node = model.graph!.node![0] as onnx.NodeProto.$Properties & { $unknowns?: Uint8Array[] };
    node.metadata_props = [{ key: 'origin', value: 'layer1' }];
    node.doc_string = 'adds';
    node.$unknowns = [unknownVarint];
    (model.graph!.input![0] as { $unknowns?: Uint8Array[] }).$unknowns = [pb.Writer.create().uint32((77 << 3) | 2).string('x').finish()];
    model.doc_string = 'model doc';
    model.functions = [{ name: 'f', domain: 'custom', node: [{ op_type: 'Relu', input: ['a'], output: ['b'] }], input: ['a'], output: ['b'] }];
    const m = await readOnnx(writeModel(path.join(dir, 'meta.onnx'), model));
    assert.ok(m.warnings.some((w) => /unknown field 99 .* in NodeProto/.test(w)), m.warnings.join('; '));
    assert.ok(m.warnings.some((w) => /unknown fields in ValueInfoProto/.test(w)), m.warnings.join('; '));
    await writeOnnx(m, path.join(dir, 'meta-out.onnx'));
    const r = pb.Reader.create(readFileSync(path.join(dir, 'meta-out.onnx')));
    r.discardUnknown = false;
    const back = onnx.ModelProto.decode(r);
    const n = back.graph!.node![0];
    assert.deepEqual(n.metadata_props!.map((kv) => [kv.key, kv.value]), [['origin', 'layer1']]);
    assert.equal(n.doc_string, 'adds');
    assert.deepEqual(n.$unknowns?.map((u) => [...u]), [[...unknownVarint]]);
    assert.equal(back.graph!.input![0].$unknowns?.length, 1);
    assert.equal(back.graph!.initializer![0].doc_string, 'weights');
    assert.equal(back.doc_string, 'model doc');
    assert.equal(back.functions![0].name, 'f');
    assert.equal(back.functions![0].node![0].op_type, 'Relu');
  });

  it('If subgraphs are read, their Constant tensors stay file ranges; Slice INT64_MAX survives writing', async () => {
    const big = floatBytes(Array.from({ length: 300 }, (_, i) => i));
    const branch = (name: string, v: Uint8Array): onnx.GraphProto.$Properties => ({
      name,
      node: [{ op_type: 'Constant', output: [`${name}_out`], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: { data_type: FLOAT, dims: [300], raw_data: v } }] }],
      output: [vi(`${name}_out`, FLOAT, [300])],
    });
    const Long = pb.util.Long as unknown as { MAX_VALUE: number };
    const model: onnx.ModelProto.$Properties = {
      ir_version: 10, opset_import: [{ version: 21 }],
      graph: {
        name: 'main',
        node: [
          { op_type: 'If', input: ['cond'], output: ['r'], attribute: [
            { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch('then', big) },
            { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch('else', big) },
          ] },
          { op_type: 'Slice', input: ['r', 's', 'e'], output: ['out'], name: 'slice', attribute: [{ name: 'ends_attr', type: onnx.AttributeProto.AttributeType.INTS, ints: [Long.MAX_VALUE, -1] }] },
        ],
        input: [vi('cond', onnx.TensorProto.DataType.BOOL, [])],
        output: [vi('out', FLOAT, [300])],
      },
    };
    const file = writeModel(path.join(dir, 'if.onnx'), model);
    const m = await readOnnx(file);
    const subs = subgraphsOf(m.graph.nodes[0]);
    assert.deepEqual(subs.map((g: Graph) => g.name), ['then', 'else']);
    const c = subs[0].nodes[0].attrs.value;
    assert.equal(c.kind, 'tensor');
    if (c.kind === 'tensor') {
      assert.equal(c.value.source.kind, 'file');
      assert.equal(elementCount(c.value), 300);
      assert.deepEqual([...(await toFloat32(c.value))].slice(0, 3), [0, 1, 2]);
    }
    await writeOnnx(m, path.join(dir, 'if-out.onnx'));
    const back = onnx.ModelProto.decode(readFileSync(path.join(dir, 'if-out.onnx')));
    assert.equal(String(back.graph!.node![1].attribute![0].ints![0]), '9223372036854775807');
    assert.equal(String(back.graph!.node![1].attribute![0].ints![1]), '-1');
    assert.equal(back.graph!.node![0].attribute![0].g!.node![0].attribute![0].t!.raw_data!.length, 1200);
  });
});

describe('onnx reader: IR version 3 style graphs', () => {
  it('initializers listed as graph inputs are not runtime inputs, and the writer lists them again in order', async () => {
    const dir = tmpDir('ir3');
    const model = addModel({ name: 'w', data_type: FLOAT, dims: [2], raw_data: floatBytes([1, 2]) }, { input: [vi('w', FLOAT, [2]), vi('x', FLOAT, [2])] });
    model.ir_version = 3;
    model.opset_import = [{ version: 8 }];
    const m = await readOnnx(writeModel(path.join(dir, 'ir3.onnx'), model));
    assert.deepEqual(m.graph.inputs.map((v) => v.name), ['x']);
    await writeOnnx(m, path.join(dir, 'ir3-out.onnx'));
    const back = onnx.ModelProto.decode(readFileSync(path.join(dir, 'ir3-out.onnx')));
    assert.deepEqual(back.graph!.input!.map((v) => v.name), ['w', 'x']);
    assert.equal(String(back.ir_version), '3');
  });
});

describe('onnx reader: limits and absurd values', () => {
  const dir = tmpDir('limits');
  const w = (dims: number[], bytes: number): onnx.TensorProto.$Properties => ({ name: 'w', data_type: FLOAT, dims, raw_data: new Uint8Array(bytes) });

  it('negative dims', async () => {
    await assert.rejects(readOnnx(writeModel(path.join(dir, 'neg.onnx'), addModel(w([-2], 8)))), rejectsWith(/invalid dimension -2/));
  });
  it('dims whose product overflows', async () => {
    await assert.rejects(readOnnx(writeModel(path.join(dir, 'ovf.onnx'), addModel(w([2 ** 40, 2 ** 40], 8)))), rejectsWith(/absurd dims.*overflows/));
  });
  it('raw_data length not matching the dims', async () => {
    await assert.rejects(readOnnx(writeModel(path.join(dir, 'len.onnx'), addModel(w([3], 8)))), rejectsWith(/raw_data holds 8 bytes but dims \[3\] of float32 need 12/));
  });
  it('rank over the limit', async () => {
    await assert.rejects(readOnnx(writeModel(path.join(dir, 'rank.onnx'), addModel(w(new Array(70).fill(1), 4)))), rejectsWith(/rank 70/, 'limit'));
  });
  it('subgraph nesting depth', async () => {
    let g: onnx.GraphProto.$Properties = { name: 'leaf', node: [{ op_type: 'Identity', input: ['a'], output: ['b'] }] };
    for (let i = 0; i < 40; i++) g = { name: `g${i}`, node: [{ op_type: 'If', input: ['c'], output: ['o'], attribute: [{ name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g }] }] };
    // protobufjs refuses to encode past 100 message levels; 40 Ifs are 120.
    const limit = pb.util.recursionLimit;
    pb.util.recursionLimit = 1000;
    const file = writeModel(path.join(dir, 'deep.onnx'), { ir_version: 10, opset_import: [{ version: 21 }], graph: g });
    pb.util.recursionLimit = limit;
    await assert.rejects(readOnnx(file), rejectsWith(/nested more than 32 deep/, 'limit'));
    const m = await readOnnx(file, { limits: { maxGraphDepth: 64 } });
    assert.equal(m.graph.nodes[0].opType, 'If');
  });
  it('node count and string length limits', async () => {
    await assert.rejects(readOnnx(sharedModel('squeezenet1_0.onnx'), { limits: { maxNodes: 10 } }), rejectsWith(/more than 10 nodes/, 'limit'));
    await assert.rejects(readOnnx(sharedModel('squeezenet1_0.onnx'), { limits: { maxStringLength: 4 } }), rejectsWith(/over the limit of 4/, 'limit'));
  });
  it('empty, text and random files', async () => {
    await assert.rejects(readOnnx(path.join(dir, 'missing.onnx')), rejectsWith(/cannot read file: ENOENT/, 'io'));
    await assert.rejects(readOnnx(dir), rejectsWith(/not a regular file/, 'io'));
    writeFileSync(path.join(dir, 'empty.onnx'), '');
    await assert.rejects(readOnnx(path.join(dir, 'empty.onnx')), rejectsWith(/empty file/));
    writeFileSync(path.join(dir, 'text.onnx'), 'hello, this is not a model\n');
    await assert.rejects(readOnnx(path.join(dir, 'text.onnx')), rejectsWith(/^not an ONNX model/));
    writeFileSync(path.join(dir, 'png.onnx'), Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    await assert.rejects(readOnnx(path.join(dir, 'png.onnx')), rejectsWith(/^not an ONNX model/));
  });
});
