// Test-only tfjs classes for Keras layers tfjs lacks, written from the Keras sources: only what tfjs
// needs to build a model symbolically (weights created in build, output shape). With them tfjs can be
// the oracle for the wiring, shapes and every other layer's params of files that use these layers.
import * as tf from '@tensorflow/tfjs';

type Args = Record<string, unknown> & { name?: string };
type Shape = (number | null)[];

function lastDim(s: Shape | Shape[]): number {
  const one = (Array.isArray(s[0]) ? s[0] : s) as Shape;
  return one[one.length - 1] as number;
}

/** keras.layers.Normalization (mean/variance given = constants, else adapt weights mean, variance, count). */
class Normalization extends tf.layers.Layer {
  static className = 'Normalization';
  constructor(private readonly args: Args) { super(args); }
  override build(s: Shape | Shape[]): void {
    if (this.args.mean === null || this.args.mean === undefined) {
      const c = lastDim(s);
      const zeros = tf.initializers.zeros();
      this.addWeight('mean', [c], 'float32', zeros, undefined, false);
      this.addWeight('variance', [c], 'float32', zeros, undefined, false);
      this.addWeight('count', [], 'float32', zeros, undefined, false);
    }
    this.built = true;
  }
  override computeOutputShape(s: Shape | Shape[]) { return s; }
  override getConfig(): tf.serialization.ConfigDict { return { ...super.getConfig(), ...(this.args as tf.serialization.ConfigDict) }; }
}

/** keras.src.applications.convnext.LayerScale: gamma [projection_dim]. */
class LayerScale extends tf.layers.Layer {
  static className = 'LayerScale';
  constructor(private readonly args: Args) { super(args); }
  override build(): void {
    this.addWeight('gamma', [Number(this.args.projectionDim)], 'float32', tf.initializers.zeros());
    this.built = true;
  }
  override computeOutputShape(s: Shape | Shape[]) { return s; }
  override getConfig(): tf.serialization.ConfigDict { return { ...super.getConfig(), ...(this.args as tf.serialization.ConfigDict) }; }
}

/** keras.layers.TextVectorization (output_mode int): [batch] strings -> [batch, output_sequence_length]. */
class TextVectorization extends tf.layers.Layer {
  static className = 'TextVectorization';
  constructor(private readonly args: Args) { super(args); }
  override computeOutputShape(s: Shape | Shape[]) {
    const one = (Array.isArray(s[0]) ? s[0] : s) as Shape;
    return [one[0], Number(this.args.outputSequenceLength)];
  }
  override getConfig(): tf.serialization.ConfigDict { return { ...super.getConfig(), ...(this.args as tf.serialization.ConfigDict) }; }
}

let done = false;
export function registerStandIns(): void {
  if (done) return;
  done = true;
  for (const c of [Normalization, LayerScale, TextVectorization]) tf.serialization.registerClass(c as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}
