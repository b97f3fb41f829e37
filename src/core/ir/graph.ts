import type { Dim } from './dim';
import type { DType } from './dtype';
import type { LlmInfo } from './llm';
import type { LazyTensor } from './tensor';
import { pushAll } from '../arrays';

/** Type and shape of a value. `shape` undefined = rank unknown. */
export interface TensorType {
  dtype: DType;
  shape?: Dim[];
  /**
   * ONNX sequence and optional values: `dtype` and `shape` are then those of the elements (a dim
   * where a sequence's elements differ is unknown). Undefined for a plain tensor.
   */
  container?: Container;
  /** A sequence whose length is known at analysis time: each element's type (SequenceConstruct, SplitToSequence...). */
  elements?: TensorType[];
}

export type Container = 'sequence' | 'optional' | 'optional-sequence';

export interface ValueInfo extends TensorType {
  name: string;
}

/**
 * Node attributes. ONNX attributes keep their ONNX kind; Keras layer configs are carried as `json`
 * (the normalised layer config), so that rules read one structure whatever the dialect.
 */
export type Attribute =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: LazyTensor }
  | { kind: 'tensors'; value: LazyTensor[] }
  | { kind: 'graph'; value: Graph }
  | { kind: 'graphs'; value: Graph[] }
  | { kind: 'type'; value: TensorType }
  | { kind: 'json'; value: unknown };

/** Where a node came from in the source file, for lenses, diagnostics and minimal edits. */
export interface SourceRange {
  offset: number;
  length: number;
}

export interface Node {
  /** Unique within its graph; the node name when the file gives a unique one. */
  id: string;
  name: string;
  opType: string;
  /** '' for standard ONNX ops, 'keras' for Keras layers, or a custom ONNX domain. */
  domain: string;
  /** Value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attribute>;
  /** Keras: names of the weights this node owns (shared layers list the same names). */
  weights?: string[];
  /** Nesting path (Keras nested models, ONNX name scopes), outermost first. */
  scope?: string[];
  source?: SourceRange;
}

export interface Graph {
  name: string;
  nodes: Node[];
  /** Runtime inputs (not initializers). */
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, LazyTensor>;
  /** Types the file declares for intermediate values. */
  valueInfo: Map<string, ValueInfo>;
}

/** safetensors: a checkpoint folder (config.json + shards); hf-config: a config.json alone (no weights). */
export type ModelFormat = 'onnx' | 'keras' | 'safetensors' | 'hf-config' | 'gguf';

export interface Model {
  format: ModelFormat;
  /** Absolute path of the file the model was read from. */
  file: string;
  graph: Graph;
  /** Operator sets by domain ('' = ai.onnx). */
  opsets: Record<string, number>;
  producer?: string;
  metadata: Record<string, string>;
  /** Non-fatal findings of the reader (e.g. ignored fields), shown to the user. */
  warnings: string[];
  /** Set when the model is a language model whose structure the reader or a recogniser knows. */
  llm?: LlmInfo;
}

export function attrInt(n: Node, name: string, dflt: number): number;
export function attrInt(n: Node, name: string): number | undefined;
export function attrInt(n: Node, name: string, dflt?: number): number | undefined {
  const a = n.attrs[name];
  return a && (a.kind === 'int' || a.kind === 'float') ? a.value : dflt;
}

export function attrFloat(n: Node, name: string, dflt: number): number {
  const a = n.attrs[name];
  return a && (a.kind === 'float' || a.kind === 'int') ? a.value : dflt;
}

export function attrInts(n: Node, name: string): number[] | undefined {
  const a = n.attrs[name];
  return a && a.kind === 'ints' ? a.value : undefined;
}

export function attrString(n: Node, name: string, dflt: string): string;
export function attrString(n: Node, name: string): string | undefined;
export function attrString(n: Node, name: string, dflt?: string): string | undefined {
  const a = n.attrs[name];
  return a && a.kind === 'string' ? a.value : dflt;
}

/** Subgraphs held by a node's attributes (If/Loop/Scan bodies). */
export function subgraphsOf(n: Node): Graph[] {
  const out: Graph[] = [];
  for (const a of Object.values(n.attrs)) {
    if (a.kind === 'graph') out.push(a.value);
    else if (a.kind === 'graphs') pushAll(out, a.value);
  }
  return out;
}
