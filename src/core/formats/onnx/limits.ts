/**
 * Bounds on what the ONNX reader accepts. A corrupt or hostile file must end in a one-line ModelError,
 * never in a multi-gigabyte allocation or a stack overflow, so every count and size read from the file
 * is checked against one of these before it is acted on.
 */
export interface OnnxReadLimits {
  /** Nodes over all graphs, subgraphs included. */
  maxNodes: number;
  /** Initializers and tensor attributes over all graphs. */
  maxTensors: number;
  /** Nesting of subgraphs (If/Loop/Scan bodies inside bodies). */
  maxGraphDepth: number;
  /** Bytes of any one string (names, doc strings, attribute strings). */
  maxStringLength: number;
  /** Bytes of a small message decoded whole (ValueInfoProto, FunctionProto, ...). */
  maxMessageBytes: number;
  /** Rank of a tensor. */
  maxRank: number;
  /** Bytes of values that must be decoded into memory (varint-coded int32_data/int64_data). */
  maxDecodedBytes: number;
  /** Bytes of fields kept verbatim for the writer (doc strings, functions, unknown fields), in total. */
  maxKeptBytes: number;
}

export const DEFAULT_ONNX_LIMITS: Readonly<OnnxReadLimits> = {
  maxNodes: 250_000,
  maxTensors: 2_000_000,
  maxGraphDepth: 32,
  maxStringLength: 4 << 20,
  maxMessageBytes: 64 << 20,
  maxRank: 64,
  maxDecodedBytes: 256 << 20,
  maxKeptBytes: 256 << 20,
};
