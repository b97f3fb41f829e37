import type { onnx } from './schema/onnx';

/**
 * What the reader keeps of an ONNX message beyond the IR, so that the writer loses nothing: fields the
 * IR does not model (doc strings, functions, metadata on nodes, unknown fields) kept as their encoded
 * bytes and re-emitted verbatim. Attached under a symbol key: invisible to JSON and Object.keys, and
 * carried along by object spread, which is how passes copy nodes they change.
 */
export const ONNX_EXTRA: unique symbol = Symbol.for('modellens.onnx.extra') as never;

export interface OnnxExtra {
  /** Encoded fields (tag included) to write back as they were. */
  raw?: Uint8Array[];
  /** ModelProto. */
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  /** NodeProto: the domain as spelled in the file ('ai.onnx' is normalised to '' in the IR). */
  domain?: string;
  /** GraphProto: graph.input order of the file, initializers listed as inputs included (IR < 4 style). */
  inputOrder?: string[];
  /** TensorProto: a data_type code this version does not know (the IR says 'unknown'). */
  dataType?: number;
  /** ValueInfoProto as decoded: doc strings, metadata and non-tensor types the IR does not carry. */
  valueInfo?: onnx.ValueInfoProto;
}

type Carrier = object & { [ONNX_EXTRA]?: OnnxExtra };

export function extraOf(o: object): OnnxExtra | undefined {
  return (o as Carrier)[ONNX_EXTRA];
}

/** Attaches `e` unless it is empty (most nodes and tensors carry nothing beyond the IR). */
export function setExtra(o: object, e: OnnxExtra): void {
  for (const k in e) {
    if (e[k as keyof OnnxExtra] !== undefined) {
      (o as Carrier)[ONNX_EXTRA] = e;
      return;
    }
  }
}

export function addRaw(e: OnnxExtra, bytes: Uint8Array): void {
  (e.raw ??= []).push(bytes);
}
