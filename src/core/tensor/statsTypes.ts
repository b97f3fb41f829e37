// Types only: the webview imports them without pulling TensorFlow.js into its type check.
/** Summary statistics of one weight tensor (the shape the graph view's side panel shows). */
export interface TensorStats {
  name: string;
  shape: number[];
  count: number;
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  /** Fraction of exact zeros, 0..1. */
  sparsity: number;
  /** NaN and ±Inf values; when there are any, min/max/mean/std are not finite either. */
  nonFinite: number;
}
