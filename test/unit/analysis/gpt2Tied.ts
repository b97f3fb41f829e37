// GPT-2 small as torch.onnx exports it with its tied lm_head: wte [50257, 768] and lm_head [768, 50257],
// its transposed copy, both dense random float16; every other weight zero (a sparse region of the
// external-data file). Shared by the tied-weight test and bench/tied.ts.
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { onnx } from '../../../src/core/formats/onnx/schema/onnx';
import { prng, writeModel } from '../onnx/helpers';

export const GPT2 = { vocab: 50257, hidden: 768, positions: 1024, layers: 12 };

/** Writes dir/gpt2.onnx (+ gpt2.onnx.data); returns the model path. */
export function writeTiedGpt2(dir: string): string {
  const file = path.join(dir, 'gpt2.onnx');
  const dataName = 'gpt2.onnx.data';
  const { vocab: V, hidden: D, positions: P, layers: L } = GPT2;
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
  return file;
}
