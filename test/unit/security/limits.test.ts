// One test per limit of the README's "Limits" table: each refusal is a one-line ModelError (code
// 'limit') naming the limit and the value; small overrides where a limit is configurable, sparse files
// for the 2 GB cases (no disk space, no memory).
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as pb from 'protobufjs/minimal';
import { strToU8, zipSync } from 'fflate';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { isModelError } from '../../../src/core/errors';
import { loadModel } from '../../../src/core/formats';
import { readKerasArchive } from '../../../src/core/formats/keras/archive';
import { GraphBuilder, MAX_KERAS_NODES } from '../../../src/core/formats/keras/build';
import { parseJsonDocument } from '../../../src/core/formats/keras/json';
import { MAX_JSON_BYTES } from '../../../src/core/formats/keras/reader';
import { readDocument } from '../../../src/core/formats/keras/topology';
import { DEFAULT_ZIP_LIMITS } from '../../../src/core/formats/keras/zip';
import { DEFAULT_ONNX_LIMITS } from '../../../src/core/formats/onnx/limits';
import { readOnnx } from '../../../src/core/formats/onnx/reader';
import { writeOnnx } from '../../../src/core/formats/onnx/writer';
import { onnx } from '../../../src/core/formats/onnx/schema/onnx';
import type { LazyTensor } from '../../../src/core/ir/tensor';
import { MAX_READ_ELEMENTS, readTensorBytes, toFloat32 } from '../../../src/core/tensor/bytes';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'modellens-limits-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const GiB = 2 ** 30;

const limitError = (re: RegExp) => (e: unknown) => {
  assert.ok(isModelError(e), `expected a ModelError, got ${(e as Error)?.stack ?? e}`);
  assert.match(e.message, re);
  assert.ok(!e.message.includes('\n'), 'one line');
  assert.equal(e.code, 'limit');
  return true;
};

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const vi = (name: string, n: number): onnx.ValueInfoProto.$Properties => ({ name, type: { tensor_type: { elem_type: FLOAT, shape: { dim: [{ dim_value: n }] } } } });

/** A chain of `n` Relu nodes. */
function reluChain(n: number): Uint8Array {
  const node = Array.from({ length: n }, (_, i) => ({ op_type: 'Relu', input: [i ? `v${i}` : 'x'], output: [i === n - 1 ? 'y' : `v${i + 1}`], name: `r${i}` }));
  return onnx.ModelProto.encode({ ir_version: 8, opset_import: [{ version: 13 }], graph: { name: 'g', node, input: [vi('x', 4)], output: [vi('y', 4)] } }).finish();
}

/**
 * y = x + w with w a float32 initializer of `n` elements whose raw_data is the file's tail: the header
 * is encoded, the payload is a hole (ftruncate), so a 2 GiB model costs no disk.
 */
function sparseOnnx(file: string, n: number): number {
  const g = onnx.GraphProto.encode({ name: 'g', node: [{ op_type: 'Add', input: ['x', 'w'], output: ['y'], name: 'add' }], input: [vi('x', n)], output: [vi('y', n)] }).finish();
  const tensorHead = onnx.TensorProto.encode({ name: 'w', data_type: FLOAT, dims: [n] }).finish();
  const rawHead = pb.Writer.create().uint32((9 << 3) | 2).uint32(4 * n).finish();
  const tensorLen = tensorHead.length + rawHead.length + 4 * n;
  const initHead = pb.Writer.create().uint32((5 << 3) | 2).uint32(tensorLen).finish();
  const graphLen = g.length + initHead.length + tensorLen;
  const modelHead = onnx.ModelProto.encode({ ir_version: 8, opset_import: [{ version: 13 }] }).finish();
  const graphHead = pb.Writer.create().uint32((7 << 3) | 2).uint32(graphLen).finish();
  const head = Buffer.concat([modelHead, graphHead, g, initHead, tensorHead, rawHead]);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, head);
    ftruncateSync(fd, head.length + 4 * n);
  } finally {
    closeSync(fd);
  }
  return head.length + 4 * n;
}

/** Keras 2 functional JSON: model k calls model k-1 twice, so `depth` levels expand to 2^depth Dense calls. */
function nestingBomb(depth: number): string {
  let cfg: object = {
    name: 'm0',
    layers: [
      { class_name: 'InputLayer', name: 'in0', config: { batch_input_shape: [null, 4], name: 'in0' }, inbound_nodes: [] },
      { class_name: 'Dense', name: 'd', config: { name: 'd', units: 4 }, inbound_nodes: [[['in0', 0, 0, {}]]] },
    ],
    input_layers: [['in0', 0, 0]],
    output_layers: [['d', 0, 0]],
  };
  for (let k = 1; k <= depth; k++) {
    const inner = `m${k - 1}`;
    cfg = {
      name: `m${k}`,
      layers: [
        { class_name: 'InputLayer', name: `in${k}`, config: { batch_input_shape: [null, 4], name: `in${k}` }, inbound_nodes: [] },
        { class_name: 'Functional', name: inner, config: cfg, inbound_nodes: [[[`in${k}`, 0, 0, {}]], [[inner, 1, 0, {}]]] },
      ],
      input_layers: [[`in${k}`, 0, 0]],
      output_layers: [[inner, 2, 0]],
    };
  }
  return JSON.stringify({ class_name: 'Functional', config: cfg, keras_version: '2.15.0', backend: 'tensorflow' });
}

describe('limits: each refusal names the limit and the value', function () {
  this.timeout(60_000);

  describe('graph size (node count)', () => {
    it(`ONNX: more than maxNodes nodes (default ${DEFAULT_ONNX_LIMITS.maxNodes})`, async () => {
      const f = path.join(tmp, 'chain.onnx');
      writeFileSync(f, reluChain(5));
      await assert.rejects(readOnnx(f, { limits: { maxNodes: 4 } }), limitError(/^the model has more than 4 nodes, subgraphs included \(limit 4\)$/));
      assert.equal((await readOnnx(f, { limits: { maxNodes: 5 } })).graph.nodes.length, 5);
    });

    it(`Keras: layer calls after flattening nested models (default ${MAX_KERAS_NODES}), counted before building`, async () => {
      const kdoc = readDocument(parseJsonDocument(nestingBomb(6)));
      assert.throws(() => new GraphBuilder({ absentReason: 'none', maxNodes: 63 }).build(kdoc.model), limitError(/^the model expands to 64 layer calls once nested models are flattened \(limit 63\)$/));
      assert.equal(new GraphBuilder({ absentReason: 'none', maxNodes: 64 }).build(kdoc.model).nodes.length, 64);
    });

    it('Keras: a 4 KB config that would expand to 2^30 nodes is refused at once', async () => {
      const text = nestingBomb(30);
      assert.ok(text.length < 10_000);
      const f = path.join(tmp, 'bomb.json');
      writeFileSync(f, text);
      const t0 = Date.now();
      await assert.rejects(loadModel(f), limitError(new RegExp(`expands to ${2 ** 30} layer calls .*\\(limit ${MAX_KERAS_NODES}\\)`)));
      assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
    });
  });

  describe('tensor element count', () => {
    const big: LazyTensor = { name: 'emb', dtype: 'float32', dims: [2 ** 15, 2 ** 14], source: { kind: 'file', path: path.join(tmp, 'nowhere.bin'), offset: 0, length: 2 ** 31 } };
    it(`reading values: more than ${MAX_READ_ELEMENTS} elements is refused before any allocation`, async () => {
      await assert.rejects(readTensorBytes(big), limitError(/^tensor "emb" has 536870912 elements, too many to read its values \(limit 268435456\)$/));
      await assert.rejects(toFloat32(big), limitError(/limit 268435456/));
    });

    it('reading values: the limit is a parameter', async () => {
      const t: LazyTensor = { name: 'w', dtype: 'float32', dims: [2, 3], source: { kind: 'inline', bytes: new Uint8Array(24) } };
      await assert.rejects(toFloat32(t, 5), limitError(/^tensor "w" has 6 elements, too many to read its values \(limit 5\)$/));
      assert.equal((await toFloat32(t, 6)).length, 6);
    });

    it('declared dims: an element count past 2^53 is refused by the ONNX reader', async () => {
      const f = path.join(tmp, 'dims.onnx');
      writeFileSync(f, onnx.ModelProto.encode({ ir_version: 8, graph: { name: 'g', initializer: [{ name: 'w', data_type: FLOAT, dims: [2 ** 31, 2 ** 31, 4] }] } }).finish());
      await assert.rejects(readOnnx(f), limitError(/^tensor "w" has absurd dims \[2147483648, 2147483648, 4\]: element count overflows \(limit 2\^53\)$/));
    });
  });

  describe('.keras archives (zip bombs)', () => {
    const archive = (name: string, entries: Parameters<typeof zipSync>[0]) => {
      const f = path.join(tmp, name);
      writeFileSync(f, zipSync(entries, { level: 9 }));
      return f;
    };
    it(`expansion ratio (default ${DEFAULT_ZIP_LIMITS.maxRatio}x, members over 1 MB)`, async () => {
      const f = archive('ratio.keras', { 'config.json': new Uint8Array(2 * 2 ** 20).fill(0x20) });
      await assert.rejects(readKerasArchive(f, { ...DEFAULT_ZIP_LIMITS, maxRatio: 10 }), limitError(/^\.keras member config\.json expands \d+x \(limit 10x\): refusing a possible zip bomb$/));
    });
    it(`inflated member size (default ${DEFAULT_ZIP_LIMITS.maxMemberBytes} bytes)`, async () => {
      const f = archive('member.keras', { 'config.json': strToU8('{"class_name": "Sequential", "config": {"layers": []}}') });
      await assert.rejects(readKerasArchive(f, { ...DEFAULT_ZIP_LIMITS, maxMemberBytes: 16 }), limitError(/^\.keras member config\.json is 54 bytes \(limit 16\)$/));
    });
    it(`entry count (default ${DEFAULT_ZIP_LIMITS.maxEntries})`, async () => {
      const f = archive('entries.keras', { 'config.json': strToU8('{}'), a: strToU8('a'), b: strToU8('b'), c: strToU8('c') });
      await assert.rejects(readKerasArchive(f, { ...DEFAULT_ZIP_LIMITS, maxEntries: 3 }), limitError(/^\.keras archive has 4 entries \(limit 3\)$/));
    });
  });

  describe('JSON size and nesting', () => {
    it(`a 2 GiB Keras JSON is declined from its size (limit ${MAX_JSON_BYTES / 2 ** 20} MB) without reading it`, async () => {
      const f = path.join(tmp, 'huge.json');
      const fd = openSync(f, 'w');
      writeSync(fd, '{"class_name": "Sequential", "config": {"layers": [');
      ftruncateSync(fd, 2 * GiB + 1);
      closeSync(fd);
      const t0 = Date.now();
      await assert.rejects(loadModel(f), limitError(/^Keras JSON is 2048\.0 MB \(limit 128 MB\)$/));
      assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
    });
    it('nesting deeper than 512 levels', async () => {
      const f = path.join(tmp, 'deep.json');
      writeFileSync(f, '['.repeat(600) + ']'.repeat(600));
      await assert.rejects(loadModel(f), limitError(/nests deeper than 512 levels \(at line 1, column 513\)/));
    });
    it('nesting counts brackets outside strings only (escaped quotes and backslashes included)', async () => {
      const f = path.join(tmp, 'brackets.json');
      writeFileSync(f, JSON.stringify({ s: `\\"${'['.repeat(600)}\\`, t: '\\', u: 'x' }).replace('"x"', '[[1]]'));
      await assert.rejects(loadModel(f), (e: Error) => isModelError(e) && /not a Keras model/.test(e.message));
    });
  });

  describe('work that grows with the file stays near-linear', () => {
    it('a Keras functional model listing 20,000 layers backwards builds without rescanning every blocked layer on each pass', async function () {
      this.timeout(20_000); // quadratic before: ~2 min
      const n = 20_000;
      const layers: object[] = [{ class_name: 'InputLayer', name: 'in', config: { batch_input_shape: [null, 4], name: 'in' }, inbound_nodes: [] }];
      for (let i = n - 1; i >= 0; i--) layers.push({ class_name: 'ReLU', name: `r${i}`, config: { name: `r${i}` }, inbound_nodes: [[[i ? `r${i - 1}` : 'in', 0, 0, {}]]] });
      const f = path.join(tmp, 'backwards.json');
      writeFileSync(f, JSON.stringify({ class_name: 'Functional', config: { name: 'm', layers, input_layers: [['in', 0, 0]], output_layers: [[`r${n - 1}`, 0, 0]] } }));
      const m = await loadModel(f);
      assert.equal(m.graph.nodes.length, n);
      assert.deepEqual(m.graph.nodes.slice(0, 3).map((x) => x.name), ['r0', 'r1', 'r2']);
    });
  });

  describe('2 GB files', () => {
    it('a 2 GiB ONNX model is analysed lazily: structure only, weights located, not read', async () => {
      const n = 2 ** 29 + 16; // 2 GiB + 64 bytes of float32 raw_data
      const f = path.join(tmp, 'big.onnx');
      const size = sparseOnnx(f, n);
      assert.ok(size > 2 * GiB);
      let read = 0;
      const t0 = Date.now();
      const m = await readOnnx(f, { onRead: (_o, len) => (read += len) });
      const a = analyzeModel(m);
      const ms = Date.now() - t0;
      assert.equal(a.totals.params, n);
      assert.equal(a.totals.weightBytes, 4 * n);
      assert.deepEqual(m.graph.initializers.get('w')!.source, { kind: 'file', path: f, offset: size - 4 * n, length: 4 * n });
      assert.ok(read < 1 << 20, `read ${read} bytes of ${size}`);
      assert.ok(ms < 5000, `took ${ms} ms`);
    });

    it('writing an ONNX model over protobuf\'s 2 GiB with inline weights is refused with the reason', async () => {
      const f = path.join(tmp, 'big2.onnx');
      sparseOnnx(f, 2 ** 29 + 16);
      const m = await readOnnx(f);
      await assert.rejects(writeOnnx(m, path.join(tmp, 'out.onnx')), limitError(/over protobuf's 2 GiB limit: write its weights as external data/));
    });
  });
});
