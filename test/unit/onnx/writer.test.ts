import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readOnnx } from '../../../src/core/formats/onnx/reader';
import { writeOnnx } from '../../../src/core/formats/onnx/writer';
import { readTensorBytes } from '../../../src/core/tensor/bytes';
import { isModelError } from '../../../src/core/errors';
import { dimText, type Attribute, type Graph, type Model } from '../../../src/core/ir';
import { manifest, prng, pythonWithOnnx, sharedModel, tmpDir } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');

/** The IR with tensor locations replaced by their bytes: what must survive a write. */
async function comparable(g: Graph): Promise<unknown> {
  const attr = async (a: Attribute): Promise<unknown> => {
    switch (a.kind) {
      case 'tensor': return { dtype: a.value.dtype, dims: a.value.dims, bytes: Buffer.from(await readTensorBytes(a.value)).toString('base64') };
      case 'graph': return comparable(a.value);
      case 'graphs': return Promise.all(a.value.map(comparable));
      default: return a;
    }
  };
  const nodes = [];
  for (const n of g.nodes) {
    const attrs: Record<string, unknown> = {};
    for (const [k, a] of Object.entries(n.attrs)) attrs[k] = await attr(a);
    nodes.push({ id: n.id, name: n.name, op: n.opType, domain: n.domain, inputs: n.inputs, outputs: n.outputs, attrs });
  }
  const inits: unknown[] = [];
  for (const [k, t] of g.initializers) inits.push([k, t.dtype, t.dims, Buffer.from(await readTensorBytes(t)).toString('base64')]);
  const vi = (v: Graph['inputs'][number]) => [v.name, v.dtype, v.shape?.map((d) => (dimText(d).startsWith('unk__') ? '?' : dimText(d)))];
  return { name: g.name, nodes, inits, inputs: g.inputs.map(vi), outputs: g.outputs.map(vi), valueInfo: [...g.valueInfo.values()].map(vi) };
}

function randomFeeds(m: Model, seed: number): Record<string, import('onnxruntime-node').Tensor> {
  const rnd = prng(seed);
  const feeds: Record<string, import('onnxruntime-node').Tensor> = {};
  for (const v of m.graph.inputs) {
    // Symbolic dims get small sizes; int64 inputs are token ids, kept inside any vocabulary.
    const dims = (v.shape ?? []).map((d) => (typeof d === 'number' ? d : 16));
    const n = dims.reduce((a, b) => a * b, 1);
    if (v.dtype === 'float32') feeds[v.name] = new ort.Tensor('float32', Float32Array.from({ length: n }, () => rnd() * 2 - 1), dims);
    else if (v.dtype === 'float16') feeds[v.name] = new ort.Tensor('float16', Uint16Array.from({ length: n }, () => [0x3c00, 0x3800, 0, 0xb800][Math.floor(rnd() * 4)]), dims);
    else if (v.dtype === 'int64') feeds[v.name] = new ort.Tensor('int64', BigInt64Array.from({ length: n }, () => BigInt(Math.floor(rnd() * 100))), dims);
    else throw new Error(`no random input for ${v.dtype}`);
  }
  return feeds;
}

async function run(file: string, feeds: Record<string, import('onnxruntime-node').Tensor>): Promise<Record<string, number[]>> {
  const s = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const out = await s.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.data as ArrayLike<number>, Number)]));
  } finally {
    await s.release();
  }
}

describe('onnx writer: round trips', function () {
  this.timeout(300_000);
  const dir = tmpDir('write');
  const written: string[] = [];

  for (const entry of manifest()) {
    it(`${entry.file}: read -> write -> read keeps the graph, weights included; onnxruntime outputs are identical`, async () => {
      const src = sharedModel(entry.file);
      const m = await readOnnx(src);
      const out = path.join(dir, entry.file);
      await writeOnnx(m, out);
      written.push(out);
      const back = await readOnnx(out);
      assert.deepEqual(back.warnings, []);
      assert.deepEqual(back.opsets, m.opsets);
      assert.deepEqual(back.metadata, m.metadata);
      assert.equal(back.producer, m.producer);
      assert.deepEqual(await comparable(back.graph), await comparable(m.graph));
      const feeds = randomFeeds(m, 5);
      assert.deepEqual(await run(out, feeds), await run(src, feeds));
    });
  }

  it('python onnx: the checker accepts every written model and it equals the original (needs python3-onnx: apt-get install -y python3-onnx)', function () {
    const py = pythonWithOnnx();
    assert.ok(py, 'python3 with the onnx package is required for this test: apt-get install -y python3-onnx');
    assert.ok(written.length > 0, 'round-trip tests ran first');
    // Also: the written ModelProto equals the original field for field (protobuf message equality; the
    // byte order of fields may differ), which shows the reader and writer lose nothing.
    const script = [
      'import onnx, sys, os',
      'for f in sys.argv[2:]:',
      '    a = onnx.load(os.path.join(sys.argv[1], os.path.basename(f)), load_external_data=False)',
      '    b = onnx.load(f, load_external_data=False)',
      '    assert a == b, "differs from the original: " + f',
      // In memory: given a path, check_model(full_check=True) writes inferred shapes back into the file.
      '    onnx.checker.check_model(onnx.load(f), full_check=True)',
      'print("ok", len(sys.argv) - 2)',
    ].join('\n');
    const res = execFileSync(py, ['-c', script, path.dirname(sharedModel('x')), ...written], { encoding: 'utf8' });
    assert.match(res, new RegExp(`ok ${written.length}`));
  });

  it('external data: inlined on request, or moved out above a size threshold', async () => {
    const m = await readOnnx(sharedModel('squeezenet1_1_extdata.onnx'));
    const inl = path.join(dir, 'inlined.onnx');
    await writeOnnx(m, inl, { externalData: 'inline' });
    assert.ok(!existsSync(`${inl}.data`));
    const a = await readOnnx(inl);
    assert.ok([...a.graph.initializers.values()].every((t) => t.source.kind !== 'file' || t.source.path === inl));
    assert.deepEqual(await comparable(a.graph), await comparable(m.graph));

    const c = await readOnnx(sharedModel('conv1d_audio.onnx'));
    const ext = path.join(dir, 'split.onnx');
    await writeOnnx(c, ext, { externalData: { threshold: 1024 } });
    const b = await readOnnx(ext);
    const moved = [...b.graph.initializers.values()].filter((t) => t.source.kind === 'file' && t.source.path === `${ext}.data`);
    const big = [...c.graph.initializers.values()].filter((t) => (t.source.kind === 'file' ? t.source.length : t.source.kind === 'inline' ? t.source.bytes.length : 0) >= 1024);
    assert.equal(moved.length, big.length);
    assert.deepEqual(await comparable(b.graph), await comparable(c.graph));
    const feeds = randomFeeds(c, 9);
    assert.deepEqual(await run(ext, feeds), await run(sharedModel('conv1d_audio.onnx'), feeds));
  });

  it('writes atomically: a failed write leaves the old file and no temporary files', async () => {
    const d = tmpDir('atomic');
    const target = path.join(d, 'm.onnx');
    writeFileSync(target, 'old');
    const m = await readOnnx(sharedModel('conv1d_audio.onnx'));
    const [name, t] = [...m.graph.initializers][0];
    m.graph.initializers.set(name, { ...t, source: { kind: 'absent', reason: 'weights dropped' } });
    await assert.rejects(writeOnnx(m, target), (e) => isModelError(e) && /weights dropped/.test(e.message));
    assert.deepEqual(readdirSync(d), ['m.onnx']);
    m.graph.initializers.set(name, t);
    await writeOnnx(m, target);
    assert.deepEqual(readdirSync(d), ['m.onnx']);
    assert.ok(statSync(target).size > 1000);
  });

  it('saving over the model it was read from works (weights are copied before the rename)', async () => {
    const d = tmpDir('inplace');
    // Same names: the .data file being read is also the one being replaced.
    const file = path.join(d, 'squeezenet1_1_extdata.onnx');
    copyFileSync(sharedModel('squeezenet1_1_extdata.onnx'), file);
    copyFileSync(sharedModel('squeezenet1_1_extdata.onnx.data'), `${file}.data`);
    const m = await readOnnx(file);
    const before = await comparable(m.graph);
    await writeOnnx(m, file);
    assert.deepEqual(await comparable((await readOnnx(file)).graph), before);
    assert.deepEqual(readdirSync(d).sort(), ['squeezenet1_1_extdata.onnx', 'squeezenet1_1_extdata.onnx.data']);
  });
});
