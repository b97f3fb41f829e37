import type { Dim } from '../../ir/dim';
import type { TensorType } from '../../ir/graph';
import type { CostResult, OpRule } from '../types';

/** The normalised (Keras 2 spelling) config of one layer. */
export type KerasConfig = Record<string, unknown>;

/** A weight a layer creates when built: local name (kernel, bias, ...) and static dims. */
export interface WeightSpec {
  name: string;
  dims: number[];
}

/**
 * A Keras layer class: shape, cost and the weights `build()` would create. Rules work on
 * (config, input types) rather than on a Node so that wrappers (Bidirectional, TimeDistributed) can
 * apply the inner layer's rule to a derived input.
 */
export interface LayerRule {
  shape(cfg: KerasConfig, inputs: TensorType[]): TensorType[];
  cost(cfg: KerasConfig, inputs: TensorType[], outputs: TensorType[]): CostResult;
  /** Omitted = the layer owns no weights. */
  weights?(cfg: KerasConfig, inputs: TensorType[]): WeightSpec[];
}

/** An OpRule that also knows the weights of the layer; the Keras reader uses it to size initializers. */
export interface KerasOpRule extends OpRule {
  readonly layer: LayerRule;
}

export type Cost = { macs: Dim; flops: Dim };
