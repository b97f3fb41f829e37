import { tensorBackend, type TensorBackendName } from './backend';
import type { TensorStats } from './statsTypes';

export type { TensorStats } from './statsTypes';

/**
 * Min/max/mean/std/sparsity computed with TensorFlow.js (tfjs-node, wasm or cpu: whichever
 * `tensorBackend()` started), off the UI thread since callers run in the analysis worker.
 *
 * tfjs reduces in float32. The variance is taken of the values shifted by their first element, so a
 * tensor with a large mean and a small spread (a BatchNorm running variance near 1e3, say) keeps its
 * std instead of losing it to cancellation; the mean is shifted back at the end in float64.
 */
export async function tensorStats(name: string, shape: number[], values: Float32Array): Promise<TensorStats & { backend: TensorBackendName }> {
  const { tf, name: backend } = await tensorBackend();
  const n = values.length;
  if (n === 0) return { name, shape, count: 0, min: 0, max: 0, mean: 0, std: 0, sparsity: 0, nonFinite: 0, backend };
  const shift = values[0];
  const parts = tf.tidy(() => {
    const x = tf.tensor1d(values, 'float32');
    const d = tf.sub(x, tf.scalar(shift));
    const { mean, variance } = tf.moments(d);
    const count = (b: import('@tensorflow/tfjs').Tensor) => tf.sum(tf.cast(b, 'int32'));
    return [tf.min(x), tf.max(x), mean, variance, count(tf.equal(x, 0)), count(tf.logicalNot(tf.isFinite(x)))];
  });
  try {
    const [mn, mx, m, v, z, bad] = (await Promise.all(parts.map((t) => t.data()))).map((a) => a[0]);
    return { name, shape, count: n, min: mn, max: mx, mean: shift + m, std: Math.sqrt(Math.max(0, v)), sparsity: z / n, nonFinite: bad, backend };
  } finally {
    tf.dispose(parts);
  }
}
