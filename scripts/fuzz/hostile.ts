// Hostile inputs written from outside the readers' assumptions (issue 20): each builder returns the files
// of one case, sized by its arguments, so that the regression tests (test/unit/security/hostile2.test.ts)
// build them full size and the fuzzer (mutate.ts) at random sizes. Files may be FIFOs or links, and HDF5
// files are described by a function run with h5wasm when the case is written (worker.ts).
import path from 'node:path';
import { zipSync } from 'fflate';
import protobuf from 'protobufjs/minimal';
import { onnx } from '../../src/core/formats/onnx/schema/onnx';

protobuf.util.recursionLimit = 100_000;

type H5 = typeof import('h5wasm');
export type H5Writer = (lib: H5, file: string) => void;

export type CaseFile =
  | { name: string; data: Uint8Array | string }
  | { name: string; fifo: true }
  | { name: string; symlink: string }
  | { name: string; h5: H5Writer };

/** Names that are members of Object.prototype (and `prototype`): every name position gets them. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineSetter__', 'isPrototypeOf'] as const;

const FLOAT = 1;
const INT64 = 7;
const vi = (name: string, dims: (number | string)[], elem = FLOAT): onnx.IValueInfoProto => ({
  name,
  type: { tensor_type: { elem_type: elem, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
});
const encode = (graph: onnx.IGraphProto, extra: Partial<onnx.IModelProto> = {}, opset = 18): Uint8Array =>
  onnx.ModelProto.encode({ ir_version: 8, opset_import: [{ domain: '', version: opset }], graph, ...extra }).finish();
const int64s = (name: string, values: number[]): onnx.ITensorProto => ({ name, data_type: INT64, dims: [values.length], raw_data: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) });

// ---------------------------------------------------------------- prototype keys

/**
 * An ONNX model whose op types, domains, node / tensor / attribute / graph names and metadata keys are
 * all `key`: one node per position so each is reached (an unknown op, a known op with a hostile name).
 */
export function onnxProtoKeys(key: string): Uint8Array {
  const node: onnx.INodeProto[] = [
    { op_type: 'Relu', name: key, input: [key], output: [`${key}_r`], attribute: [{ name: key, type: 2, i: 1 }] },
    { op_type: key, domain: '', name: `${key}_a`, input: [`${key}_r`], output: [`${key}_b`], attribute: [{ name: key, type: 1, f: 1 }] },
    { op_type: key, domain: key, name: `${key}_c`, input: [`${key}_b`], output: [`${key}_d`] },
    { op_type: 'Add', name: `${key}_e`, input: [`${key}_d`, `${key}_w`], output: [`${key}_o`] },
  ];
  return encode(
    {
      name: key,
      node,
      input: [vi(key, [1, key])],
      output: [vi(`${key}_o`, [1, key])],
      initializer: [{ name: `${key}_w`, data_type: FLOAT, dims: [1], float_data: [1] }],
      value_info: [vi(`${key}_r`, [1, key])],
    },
    { metadata_props: [{ key, value: key }], producer_name: key, domain: key, opset_import: [{ domain: '', version: 18 }, { domain: key, version: 1 }] },
  );
}

/** A Keras functional model whose class names (also inside wrappers), layer names and config keys are `key`. */
export function kerasProtoKeys(key: string): string {
  const layer = (class_name: string, name: string, inbound: string, config: Record<string, unknown> = {}) => ({
    class_name,
    name,
    config: { name, [key]: key, ...config },
    inbound_nodes: [[[inbound, 0, 0, { [key]: key }]]],
  });
  const layers = [
    { class_name: 'InputLayer', name: key, config: { name: key, batch_input_shape: [null, 4, 8], dtype: 'float32', [key]: 1 }, inbound_nodes: [] },
    layer('Dense', `${key}_dense`, key, { units: 3, activation: key }),
    layer(key, `${key}_unknown`, `${key}_dense`),
    layer('TimeDistributed', `${key}_td`, `${key}_unknown`, { layer: { class_name: key, config: { name: key, [key]: key } } }),
    layer('Bidirectional', `${key}_bi`, `${key}_td`, { layer: { class_name: key, config: { name: key } } }),
    layer('Dense', `${key}_out`, `${key}_bi`, { units: 2, kernel_initializer: { class_name: key, config: { [key]: key } } }),
  ];
  return JSON.stringify({
    class_name: 'Functional',
    config: { name: key, layers, input_layers: [[key, 0, 0]], output_layers: [[`${key}_out`, 0, 0]] },
    keras_version: key,
    backend: key,
  });
}

// ---------------------------------------------------------------- forged error lines

/** A name that forges a second error line and drives the terminal (clear screen, OSC title). */
export const FORGED_NAME = 'W\n error: fake second line \x1b[2J\x1b]0;owned\x07\r\u2028';

/** An ONNX model whose node reads an undefined tensor with a forged name: the error names it. */
export function onnxForgedName(): Uint8Array {
  return encode({ name: 'g', node: [{ op_type: 'Relu', name: FORGED_NAME, input: [FORGED_NAME], output: ['y'] }], input: [vi('x', [1])], output: [vi('y', [1])] });
}

// ---------------------------------------------------------------- deep recursion / huge fan-out

/** `n` custom (unknown) Keras layers in a chain, each with a warning. */
export function kerasUnknownChain(n: number): string {
  const parts: string[] = [`{"class_name":"InputLayer","name":"in","config":{"name":"in","batch_input_shape":[null,4]},"inbound_nodes":[]}`];
  for (let i = 0; i < n; i++) parts.push(`{"class_name":"MyLayer${i % 7}","name":"l${i}","config":{"name":"l${i}","units":4},"inbound_nodes":[[["${i === 0 ? 'in' : `l${i - 1}`}",0,0,{}]]]}`);
  return `{"class_name":"Functional","config":{"name":"m","layers":[${parts.join(',')}],"input_layers":[["in",0,0]],"output_layers":[["l${n - 1}",0,0]]}}`;
}

/** One node holding `n` subgraphs in a `graphs` attribute (a custom op). */
export function onnxManySubgraphs(n: number): Uint8Array {
  const body: onnx.IGraphProto = { name: 'b', node: [{ op_type: 'Relu', input: ['x'], output: ['z'] }], output: [vi('z', [1])] };
  const graphs = Array.from({ length: n }, () => body);
  return encode({ name: 'g', node: [{ op_type: 'Custom', domain: 'com.x', input: ['x'], output: ['y'], attribute: [{ name: 'bodies', type: 10, graphs }] }], input: [vi('x', [1])], output: [vi('y', [1])] }, { opset_import: [{ domain: '', version: 18 }, { domain: 'com.x', version: 1 }] });
}

/** An If whose then-branch reads `n` outer names (each defined by its own outer Relu). */
export function onnxIfReadsOuter(n: number): Uint8Array {
  const outer: onnx.INodeProto[] = [];
  const inner: onnx.INodeProto[] = [];
  for (let i = 0; i < n; i++) {
    outer.push({ op_type: 'Relu', input: ['x'], output: [`o${i}`] });
    inner.push({ op_type: 'Relu', input: [`o${i}`], output: [`t${i}`] });
  }
  const then: onnx.IGraphProto = { name: 'then', node: inner, output: [vi(`t${n - 1}`, [1])] };
  const els: onnx.IGraphProto = { name: 'else', node: [{ op_type: 'Identity', input: ['x'], output: ['e'] }], output: [vi('e', [1])] };
  outer.push({ op_type: 'If', input: ['c'], output: ['y'], attribute: [{ name: 'then_branch', type: 5, g: then }, { name: 'else_branch', type: 5, g: els }] });
  return encode({ name: 'g', node: outer, input: [vi('x', [1]), vi('c', [], 9)], output: [vi('y', [1])] });
}

/** `n` tiny nodes: a Relu chain, or a fan of `n` Relus on one input. */
export function onnxTinyNodes(n: number, shape: 'chain' | 'fan'): Uint8Array {
  const node: onnx.INodeProto[] = [];
  for (let i = 0; i < n; i++) node.push({ op_type: 'Relu', input: [shape === 'chain' && i > 0 ? `v${i - 1}` : 'x'], output: [`v${i}`] });
  return encode({ name: 'g', node, input: [vi('x', [1, 4])], output: [vi(`v${n - 1}`, [1, 4])] });
}

// ---------------------------------------------------------------- symbolic dims that swell

/** `n` inputs with distinct dim_params concatenated: a sum of `n` symbols. */
export function onnxDimSum(n: number): Uint8Array {
  const input = Array.from({ length: n }, (_, i) => vi(`x${i}`, [`d${i}`]));
  return encode({ name: 'g', node: [{ op_type: 'Concat', input: input.map((v) => v.name!), output: ['y'], attribute: [{ name: 'axis', type: 2, i: 0 }] }], input, output: [vi('y', ['s'])] });
}

/** max() doubling: `chains` chains of `levels` broadcasting Adds whose operands have different symbols. */
export function onnxDimMaxDoubling(levels: number, chains = 4): Uint8Array {
  const input: onnx.IValueInfoProto[] = [];
  const node: onnx.INodeProto[] = [];
  const output: onnx.IValueInfoProto[] = [];
  for (let c = 0; c < chains; c++) {
    input.push(vi(`a${c}`, [`p${c}`]));
    let prev = `a${c}`;
    for (let l = 0; l < levels; l++) {
      // prev + (prev with a fresh symbol) broadcast: max(prev, q) where the other side is max(...) too.
      node.push({ op_type: 'Neg', input: [prev], output: [`n${c}_${l}`] });
      node.push({ op_type: 'Concat', input: [`n${c}_${l}`, `n${c}_${l}`], output: [`cc${c}_${l}`], attribute: [{ name: 'axis', type: 2, i: 0 }] });
      node.push({ op_type: 'Add', input: [prev, `cc${c}_${l}`], output: [`m${c}_${l}`] });
      prev = `m${c}_${l}`;
    }
    output.push(vi(prev, ['o']));
  }
  return encode({ name: 'g', node, input, output });
}

/** A polynomial squared `levels` times: [X] -> shape [X, X] -> Flatten [X^2] ... */
export function onnxDimSquare(levels: number): Uint8Array {
  const node: onnx.INodeProto[] = [];
  // (a + b) to start, so that squaring multiplies terms.
  node.push({ op_type: 'Concat', input: ['a', 'b'], output: ['v0'], attribute: [{ name: 'axis', type: 2, i: 0 }] });
  for (let l = 0; l < levels; l++) {
    node.push({ op_type: 'Shape', input: [`v${l}`], output: [`s${l}`] });
    node.push({ op_type: 'Concat', input: [`s${l}`, `s${l}`], output: [`ss${l}`], attribute: [{ name: 'axis', type: 2, i: 0 }] });
    node.push({ op_type: 'Expand', input: [`v${l}`, `ss${l}`], output: [`e${l}`] });
    node.push({ op_type: 'Flatten', input: [`e${l}`], output: [`f${l}`], attribute: [{ name: 'axis', type: 2, i: 0 }] });
    node.push({ op_type: 'Reshape', input: [`f${l}`, 'minus1'], output: [`v${l + 1}`] });
  }
  return encode({ name: 'g', node, input: [vi('a', ['a']), vi('b', ['b'])], output: [vi(`v${levels}`, ['o'])], initializer: [int64s('minus1', [-1])] });
}

/** A dim_param of `len` characters carried through `nodes` Relus. */
export function onnxLongDimParam(len: number, nodes: number): Uint8Array {
  const name = 'd'.repeat(len);
  const node: onnx.INodeProto[] = [];
  for (let i = 0; i < nodes; i++) node.push({ op_type: 'Relu', input: [i === 0 ? 'x' : `v${i - 1}`], output: [`v${i}`] });
  return encode({ name: 'g', node, input: [vi('x', [name, 2])], output: [vi(`v${nodes - 1}`, [name, 2])] });
}

// ---------------------------------------------------------------- declared sizes taken at their word

/** A Reshape whose target shape tensor (a graph input: values unknown) has `elements` elements. */
export function onnxReshapeHuge(elements: number): Uint8Array {
  return encode({ name: 'g', node: [{ op_type: 'Reshape', input: ['x', 'shape'], output: ['y'] }], input: [vi('x', ['n']), vi('shape', [elements], INT64)], output: [vi('y', [])] });
}

/** A Split with `num_outputs` set to `count` (and one declared output). */
export function onnxSplitHuge(count: number): Uint8Array {
  return encode({ name: 'g', node: [{ op_type: 'Split', input: ['x'], output: ['y'], attribute: [{ name: 'num_outputs', type: 2, i: count }, { name: 'axis', type: 2, i: 0 }] }], input: [vi('x', [8])], output: [vi('y', [])] });
}

// ---------------------------------------------------------------- memory bombs in JSON

/** A Keras JSON whose one layer config holds an array of `n` zeros (weights inlined in the JSON). */
export function kerasInlineArray(n: number): string {
  const head = '{"class_name":"Sequential","config":{"name":"s","layers":[{"class_name":"InputLayer","config":{"name":"in","batch_input_shape":[null,4]}},{"class_name":"Dense","config":{"name":"d","units":2,"weights":[';
  return `${head}${'0,'.repeat(n - 1)}0]}}]}}`;
}

// ---------------------------------------------------------------- zip

/** A .keras whose config.json member declares `declared` bytes in both zip headers but inflates to `actual`. */
export function kerasLyingMember(actual: number, declared = 64): Uint8Array {
  const zip = Buffer.from(zipSync({ 'config.json': [new Uint8Array(actual).fill(0x20), { level: 9 }] }));
  const lh = zip.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  const cd = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip.writeUInt32LE(declared, lh + 22);
  zip.writeUInt32LE(declared, cd + 24);
  return new Uint8Array(zip);
}

// ---------------------------------------------------------------- HDF5

const DENSE_CONFIG = JSON.stringify({
  class_name: 'Sequential',
  config: { name: 's', layers: [{ class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 2] } }, { class_name: 'Dense', config: { name: 'dense', units: 2, use_bias: false } }] },
});

/**
 * A Keras 2 .h5 whose model_weights/dense is an external link to `target`: a file name as HDF5 takes it
 * (relative to the .h5's folder), or `@ABS@rel` for the absolute path of `rel` from that folder.
 */
export function h5ExternalLink(target: string): H5Writer {
  return (lib, file) => {
    if (target.startsWith('@ABS@')) target = path.resolve(path.dirname(file), target.slice(5));
    const f = new lib.File(file, 'w');
    try {
      f.create_attribute('model_config', DENSE_CONFIG);
      const mw = f.create_group('model_weights');
      (mw as unknown as { create_external_link(file: string, target: string, name: string): void }).create_external_link(target, '/dense', 'dense');
    } finally {
      f.close();
    }
  };
}

/** The HDF5 file an external link points at: model_weights-like /dense/kernel:0 holding `canary` floats. */
export function h5Canary(canary: number): H5Writer {
  return (lib, file) => {
    const f = new lib.File(file, 'w');
    try {
      f.create_attribute('model_config', DENSE_CONFIG);
      const mw = f.create_group('model_weights');
      const g = mw.create_group('dense');
      g.create_dataset({ name: 'kernel:0', data: new Float32Array(4).fill(canary), shape: [2, 2], dtype: '<f' });
      const top = f.create_group('dense');
      top.create_dataset({ name: 'kernel:0', data: new Float32Array(4).fill(canary), shape: [2, 2], dtype: '<f' });
    } finally {
      f.close();
    }
  };
}

/** Hard links forming cycles: model_weights/dense/up -> model_weights, and a fan of `fan` links per level. */
export function h5HardLinkCycle(fan: number): H5Writer {
  return (lib, file) => {
    const f = new lib.File(file, 'w');
    try {
      f.create_attribute('model_config', DENSE_CONFIG);
      const mw = f.create_group('model_weights');
      const g = mw.create_group('dense');
      g.create_dataset({ name: 'kernel:0', data: new Float32Array(4), shape: [2, 2], dtype: '<f' });
      const link = g as unknown as { create_hard_link(target: string, name: string): void };
      for (let i = 0; i < fan; i++) link.create_hard_link('/model_weights', `up${i}`);
    } finally {
      f.close();
    }
  };
}

/** A Keras 2 .h5 with `layers` Dense layers of `perLayer` datasets each (a wide, legal file). */
export function h5ManyDatasets(layers: number, perLayer: number): H5Writer {
  return (lib, file) => {
    const cfg = {
      class_name: 'Sequential',
      config: { name: 's', layers: [{ class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 2] } }, ...Array.from({ length: layers }, (_, i) => ({ class_name: 'Dense', config: { name: `d${i}`, units: 2 } }))] },
    };
    const f = new lib.File(file, 'w');
    try {
      f.create_attribute('model_config', JSON.stringify(cfg));
      const mw = f.create_group('model_weights');
      for (let i = 0; i < layers; i++) {
        const g = mw.create_group(`d${i}`).create_group(`d${i}`);
        g.create_dataset({ name: 'kernel:0', data: new Float32Array(4), shape: [2, 2], dtype: '<f' });
        g.create_dataset({ name: 'bias:0', data: new Float32Array(2), shape: [2], dtype: '<f' });
        for (let k = 2; k < perLayer; k++) g.create_dataset({ name: `extra${k}:0`, data: new Float32Array(1), shape: [1], dtype: '<f' });
      }
    } finally {
      f.close();
    }
  };
}
