import { sym, type Dim } from '../../../src/core/ir/dim';
import type { DType } from '../../../src/core/ir/dtype';
import type { Attribute, Graph, Model, Node, ValueInfo } from '../../../src/core/ir/graph';
import type { LazyTensor } from '../../../src/core/ir/tensor';

/** Small hand-made graphs for engine tests: dims given as numbers or symbol names. */
export function vi(name: string, dtype: DType, shape?: (number | string)[]): ValueInfo {
  return { name, dtype, shape: shape?.map((d): Dim => (typeof d === 'string' ? sym(d) : d)) };
}

export function tensor(name: string, dtype: DType, dims: number[], values?: number[]): LazyTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  let bytes: Uint8Array;
  if (dtype === 'int64') bytes = new Uint8Array(BigInt64Array.from((values ?? new Array(n).fill(0)).map((v) => BigInt(v))).buffer);
  else if (dtype === 'float32') bytes = new Uint8Array(Float32Array.from(values ?? new Array(n).fill(0)).buffer);
  else bytes = new Uint8Array(n * 8);
  return { name, dtype, dims, source: { kind: 'inline', bytes } };
}

let counter = 0;
export function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attribute> = {}, domain = ''): Node {
  counter += 1;
  return { id: `${opType}_${counter}`, name: `${opType}_${counter}`, opType, domain, inputs, outputs, attrs };
}

export const ints = (value: number[]): Attribute => ({ kind: 'ints', value });
export const int = (value: number): Attribute => ({ kind: 'int', value });

export function graph(nodes: Node[], inputs: ValueInfo[], outputs: ValueInfo[], inits: LazyTensor[] = [], valueInfo: ValueInfo[] = []): Graph {
  return { name: 'g', nodes, inputs, outputs, initializers: new Map(inits.map((t) => [t.name, t])), valueInfo: new Map(valueInfo.map((v) => [v.name, v])) };
}

export function model(g: Graph, opset = 13): Model {
  return { format: 'onnx', file: '/virtual/test.onnx', graph: g, opsets: { '': opset }, metadata: {}, warnings: [] };
}
