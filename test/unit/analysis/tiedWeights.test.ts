// Tied / duplicated initializers: found by shape, sampled elements and a full check of survivors,
// counted once, reported by name. The GPT-2 case is the torch export's layout (lm_head stored as a
// transposed copy of wte) at GPT-2 small's real shapes, weights in a sparse external-data file.
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readOnnx } from '../../../src/core/formats/onnx/reader';
import { onnx } from '../../../src/core/formats/onnx/schema/onnx';
import type { LazyTensor } from '../../../src/core/ir/tensor';
import { prng, tmpDir, writeModel } from '../onnx/helpers';
import { graph, model, node, vi } from './graphBuilder';

function f32(name: string, dims: number[], values: Float32Array): LazyTensor {
  return { name, dtype: 'float32', dims, source: { kind: 'inline', bytes: new Uint8Array(values.buffer) } };
}
const random = (n: number, seed: number) => { const r = prng(seed); return Float32Array.from({ length: n }, () => r() * 2 - 1); };
function transpose(a: Float32Array, m: number, n: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j];
  return out;
}

describe('tied and duplicated weights', function () {
  this.timeout(180_000);

  it('equal copies and transposed copies count once; near-copies, constant tensors and small ones do not', () => {
    const emb = random(300 * 64, 1);
    const w1 = random(64 * 128, 2);
    const w3 = random(64 * 128, 3);
    const w4 = Float32Array.from(w3);
    w4[4321] += 1; // differs in one element: must fail the full check or the samples
    const inits = [
      f32('emb', [300, 64], emb), f32('head', [64, 300], transpose(emb, 300, 64)),
      f32('w1', [64, 128], w1), f32('w2', [64, 128], Float32Array.from(w1)),
      f32('w3', [64, 128], w3), f32('w4', [64, 128], w4),
      f32('z1', [64, 128], new Float32Array(8192)), f32('z2', [64, 128], new Float32Array(8192)),
      f32('s1', [16, 16], random(256, 9)), f32('s2', [16, 16], random(256, 9)),
    ];
    const g = graph(
      [
        node('Gather', ['emb', 'ids'], ['x']),
        node('MatMul', ['x', 'w1'], ['a1']), node('MatMul', ['x', 'w2'], ['a2']), node('MatMul', ['x', 'w3'], ['a3']), node('MatMul', ['x', 'w4'], ['a4']),
        node('MatMul', ['x', 'z1'], ['a5']), node('MatMul', ['x', 'z2'], ['a6']),
        node('MatMul', ['x', 'head'], ['logits']),
        node('MatMul', ['s1', 's2'], ['s']),
      ],
      [vi('ids', 'int64', [1, 5])],
      [vi('logits', 'float32'), vi('a1', 'float32'), vi('a2', 'float32'), vi('a3', 'float32'), vi('a4', 'float32'), vi('a5', 'float32'), vi('a6', 'float32'), vi('s', 'float32')],
      inits,
    );
    const a = analyzeModel(model(g));
    const t = a.details.tiedWeights;
    assert.ok(t, 'tied weights reported');
    // emb/head, w1..w4, z1, z2 are candidates (s1/s2 are too small); z1/z2 are constant; w3/w4 differ.
    assert.equal(t.search.candidates, 8);
    assert.deepEqual(t.pairs.map((p) => [p.kept, p.copy, p.relation]).sort(), [['emb', 'head', 'transpose'], ['w1', 'w2', 'equal']]);
    const stored = 19200 * 2 + 8192 * 6 + 256 * 2;
    assert.equal(t.storedParams, stored);
    assert.equal(t.uniqueParams, stored - 19200 - 8192);
    assert.equal(a.totals.params, t.uniqueParams, 'totals count each tied weight once');
    assert.equal(t.storedBytes, stored * 4);
    assert.equal(t.uniqueBytes, (stored - 19200 - 8192) * 4);
    assert.equal(a.totals.weightBytes, stored * 4, 'weight bytes stay what the file stores');
    assert.equal(a.layers.find((l) => l.outputs[0].name === 'logits')!.params, 0, 'the copy\'s layer owns no parameters');
    assert.ok(a.details.warnings.includes('"head" is a transposed copy of "emb" (19,200 parameters): counted once'), a.details.warnings.join('\n'));
    assert.ok(a.details.warnings.includes('"w2" is a copy of "w1" (8,192 parameters): counted once'));
    assert.equal(analyzeModel(model(g), { tiedWeights: false }).totals.params, stored, 'opt-out counts every stored tensor');
  });

  it('GPT-2 small exported by torch (lm_head = transposed wte): 124,439,808 unique of 163,037,184 stored, reading only samples and the tied pair', () => {
    const dir = tmpDir('tied-gpt2');
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'gpt2.onnx');
    const dataName = 'gpt2.onnx.data';
    const V = 50257, D = 768, P = 1024, L = 12;
    // name -> dims; float16 weights; everything but wte/lm_head is zero (a sparse file region).
    const specs: [string, number[]][] = [['wte', [V, D]], ['wpe', [P, D]]];
    for (let l = 0; l < L; l++) {
      specs.push(
        [`h.${l}.ln_1.weight`, [D]], [`h.${l}.ln_1.bias`, [D]], [`h.${l}.attn.c_attn.weight`, [D, 3 * D]], [`h.${l}.attn.c_attn.bias`, [3 * D]],
        [`h.${l}.attn.c_proj.weight`, [D, D]], [`h.${l}.attn.c_proj.bias`, [D]], [`h.${l}.ln_2.weight`, [D]], [`h.${l}.ln_2.bias`, [D]],
        [`h.${l}.mlp.c_fc.weight`, [D, 4 * D]], [`h.${l}.mlp.c_fc.bias`, [4 * D]], [`h.${l}.mlp.c_proj.weight`, [4 * D, D]], [`h.${l}.mlp.c_proj.bias`, [D]],
      );
    }
    specs.push(['ln_f.weight', [D]], ['ln_f.bias', [D]], ['lm_head', [D, V]]);
    let offset = 0;
    const where = new Map<string, number>();
    const initializer: onnx.TensorProto.$Properties[] = specs.map(([name, dims]) => {
      const length = dims.reduce((a, b) => a * b, 1) * 2;
      where.set(name, offset);
      const t = { name, dims, data_type: onnx.TensorProto.DataType.FLOAT16, data_location: onnx.TensorProto.DataLocation.EXTERNAL, external_data: [{ key: 'location', value: dataName }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(length) }] };
      offset += length;
      return t;
    });
    const fd = openSync(path.join(dir, dataName), 'w');
    try {
      ftruncateSync(fd, offset);
      const r = prng(124);
      const wte = new Uint16Array(V * D);
      // Finite random halves (exponent < 31).
      for (let k = 0; k < wte.length; k++) wte[k] = Math.floor(r() * 0x7800) | (r() < 0.5 ? 0x8000 : 0);
      const head = new Uint16Array(V * D);
      for (let i = 0; i < V; i++) for (let j = 0; j < D; j++) head[j * V + i] = wte[i * D + j];
      writeSync(fd, new Uint8Array(wte.buffer), 0, wte.byteLength, where.get('wte')!);
      writeSync(fd, new Uint8Array(head.buffer), 0, head.byteLength, where.get('lm_head')!);
    } finally {
      closeSync(fd);
    }
    const n = (op: string, input: string[], output: string[], attribute: onnx.AttributeProto.$Properties[] = []) => ({ op_type: op, input, output, attribute, name: output[0] });
    const nodes = [n('Gather', ['wte', 'ids'], ['tok']), n('Gather', ['wpe', 'pos'], ['posv']), n('Add', ['tok', 'posv'], ['x0'])];
    let x = 'x0';
    for (let l = 0; l < L; l++) {
      const p = `h.${l}`;
      nodes.push(
        n('LayerNormalization', [x, `${p}.ln_1.weight`, `${p}.ln_1.bias`], [`${p}.h1`]),
        n('MatMul', [`${p}.h1`, `${p}.attn.c_attn.weight`], [`${p}.qkv0`]), n('Add', [`${p}.qkv0`, `${p}.attn.c_attn.bias`], [`${p}.qkv`]),
        n('Split', [`${p}.qkv`], [`${p}.q`, `${p}.k`, `${p}.v`], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }, { name: 'num_outputs', type: onnx.AttributeProto.AttributeType.INT, i: 3 }]),
        n('MatMul', [`${p}.v`, `${p}.attn.c_proj.weight`], [`${p}.o0`]), n('Add', [`${p}.o0`, `${p}.attn.c_proj.bias`], [`${p}.o`]), n('Add', [x, `${p}.o`], [`${p}.x1`]),
        n('LayerNormalization', [`${p}.x1`, `${p}.ln_2.weight`, `${p}.ln_2.bias`], [`${p}.h2`]),
        n('MatMul', [`${p}.h2`, `${p}.mlp.c_fc.weight`], [`${p}.f0`]), n('Add', [`${p}.f0`, `${p}.mlp.c_fc.bias`], [`${p}.f`]), n('Gelu', [`${p}.f`], [`${p}.g`]),
        n('MatMul', [`${p}.g`, `${p}.mlp.c_proj.weight`], [`${p}.m0`]), n('Add', [`${p}.m0`, `${p}.mlp.c_proj.bias`], [`${p}.m`]), n('Add', [`${p}.x1`, `${p}.m`], [`${p}.x2`]),
      );
      x = `${p}.x2`;
    }
    nodes.push(n('LayerNormalization', [x, 'ln_f.weight', 'ln_f.bias'], ['xf']), n('MatMul', ['xf', 'lm_head'], ['logits']));
    const ids = (name: string) => ({ name, type: { tensor_type: { elem_type: onnx.TensorProto.DataType.INT64, shape: { dim: [{ dim_value: 1 }, { dim_param: 'sequence' }] } } } });
    writeModel(file, {
      ir_version: 9, opset_import: [{ domain: '', version: 20 }],
      graph: { name: 'gpt2', node: nodes, initializer, input: [ids('ids'), ids('pos')], output: [{ name: 'logits', type: { tensor_type: { elem_type: onnx.TensorProto.DataType.FLOAT16 } } }] },
    });
    const m = readOnnx(file);
    return m.then((mm) => {
      const t0 = Date.now();
      const a = analyzeModel(mm, { dims: { sequence: 8 } });
      console.log(`      GPT-2 small analysis with the tied-weight search: ${Date.now() - t0} ms (under test load)`);
      assert.deepEqual(a.notCosted, []);
      assert.deepEqual(a.outputs[0].shape, [1, 8, V]);
      const t = a.details.tiedWeights!;
      assert.ok(t, 'the tied lm_head is found');
      assert.deepEqual(t.pairs.map((p) => [p.kept, p.copy, p.relation]), [['wte', 'lm_head', 'transpose']]);
      // 2 + 12*12 + 3 tensors >= 4096 elements: 38 (wte, wpe, 4 matrices per layer, lm_head)... sampled only where a
      // same-shaped partner exists; the zero-filled layer weights are constant and never compared in full.
      assert.equal(t.search.fullChecks, 1, 'only the surviving pair is read in full');
      assert.equal(t.storedParams, 163_037_184);
      assert.equal(t.uniqueParams, 124_439_808);
      assert.equal(a.totals.params, 124_439_808);
      assert.equal(t.storedBytes, 163_037_184 * 2);
      assert.equal(t.uniqueBytes, 124_439_808 * 2);
      assert.ok(a.details.warnings.includes('"lm_head" is a transposed copy of "wte" (38,597,376 parameters): counted once'));
    });
  });
});
