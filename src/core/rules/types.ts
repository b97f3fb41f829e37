import type { Dim } from '../ir/dim';
import type { Graph, Node, TensorType } from '../ir/graph';
import type { LazyTensor } from '../ir/tensor';

/**
 * A value known at analysis time (shape subgraphs: Shape -> Gather -> Concat -> Reshape). Integer
 * values may be symbolic dims: Shape of a [batch, sequence] tensor is the value [batch, sequence].
 */
export interface ConstValue {
  dtype: TensorType['dtype'];
  dims: number[];
  values: Dim[];
}

export interface RuleContext {
  node: Node;
  graph: Graph;
  /** Types of the node's inputs in order; undefined for an omitted optional input or an unknown type. */
  inputs: (TensorType | undefined)[];
  /** Known values of the inputs (initializers, Constant outputs, propagated shape values). */
  values: (ConstValue | undefined)[];
  /** Opset version of the node's domain (ONNX); 0 for Keras. */
  opset: number;
  /**
   * Infers and costs a subgraph (If/Loop/Scan bodies) with the given input types, in the scope of
   * this node (bodies see the outer graph's values). Results are memoised per node and body.
   */
  runSubgraph?: SubgraphRunner;
  /** Values of a small tensor attribute (Constant, ConstantOfShape), read without touching weights. */
  readTensor?: (t: LazyTensor) => ConstValue | undefined;
}

/** What a subgraph run yields: output types, total cost of one execution, and its uncosted nodes. */
export interface SubgraphRun {
  outputs: (TensorType | undefined)[];
  values: (ConstValue | undefined)[];
  macs: Dim;
  flops: Dim;
  notCosted: { name: string; type: string; reason: string }[];
}

export type SubgraphRunner = (g: Graph, inputs: (TensorType | undefined)[], values?: (ConstValue | undefined)[]) => SubgraphRun;

export interface ShapeResult {
  outputs: TensorType[];
  /** Values of outputs computable at analysis time (for shape subgraphs). */
  values?: (ConstValue | undefined)[];
}

export interface CostResult {
  /** Multiply-accumulates (torchvision "GFLOPS" convention). */
  macs: Dim;
  /** 2*macs plus per-element work; see README "Cost conventions". */
  flops: Dim;
  /** Caveats of this cost (e.g. a Loop whose trip count is unknown), shown as analysis warnings. */
  notes?: string[];
  /**
   * Parameters held in the node's attributes rather than in initializers: the thresholds and leaf
   * values of an ai.onnx.ml tree ensemble, the coefficients of a linear model or an SVM.
   */
  attributeParams?: number;
  /** Uncosted nodes inside subgraphs of this node (their cost is missing from macs/flops). */
  notCosted?: { name: string; type: string; reason: string }[];
}

/**
 * One entry per op type (ONNX) or layer class (Keras): its shape rule and its cost, in one place.
 * Parameters are the float weights a node owns, counted generically; a rule reports only those held
 * in attributes (CostResult.attributeParams: ai.onnx.ml models).
 * A rule throws RuleError when the node is malformed for it; the engine records it as not costed.
 */
export interface OpRule {
  shape(ctx: RuleContext): ShapeResult;
  cost(ctx: RuleContext, outputs: TensorType[]): CostResult;
}

/**
 * A rule's "cannot infer this" (a message for a warning, never a bug): thrown once per layer on models
 * of 100,000 unknown layers, so it captures no stack trace (that was most of the time spent).
 */
export class RuleError extends Error {
  constructor(message?: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

export type RuleTable = Record<string, OpRule>;
