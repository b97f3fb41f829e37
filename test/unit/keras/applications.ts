// Keras Applications architectures rebuilt with tfjs layers (tfjs has no applications), following the
// Keras sources' layer sequence. Only the structure matters: parameters and shapes, not weights.
import * as tf from '@tensorflow/tfjs';

const L = tf.layers;
type T = tf.SymbolicTensor;
const zeros = { kernelInitializer: 'zeros', biasInitializer: 'zeros' } as const;
const bnArgs = (name: string, eps = 1e-3) => ({ name, epsilon: eps, gammaInitializer: 'zeros', movingVarianceInitializer: 'zeros' } as const);

function apply(layer: tf.layers.Layer, x: T | T[]): T {
  return layer.apply(x) as T;
}

/** DenseNet121: blocks [6, 12, 24, 16], growth 32, compression 0.5 (keras/applications/densenet.py). */
export function denseNet121(): tf.LayersModel {
  const input = tf.input({ shape: [224, 224, 3], name: 'input_1' });
  let x = apply(L.zeroPadding2d({ padding: [[3, 3], [3, 3]] }), input);
  x = apply(L.conv2d({ filters: 64, kernelSize: 7, strides: 2, useBias: false, name: 'conv1/conv', ...zeros }), x);
  x = apply(L.batchNormalization(bnArgs('conv1/bn', 1.001e-5)), x);
  x = apply(L.activation({ activation: 'relu', name: 'conv1/relu' }), x);
  x = apply(L.zeroPadding2d({ padding: [[1, 1], [1, 1]] }), x);
  x = apply(L.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1' }), x);
  const blocks = [6, 12, 24, 16];
  blocks.forEach((n, b) => {
    for (let i = 0; i < n; i++) {
      const p = `conv${b + 2}_block${i + 1}`;
      let y = apply(L.batchNormalization(bnArgs(`${p}_0_bn`, 1.001e-5)), x);
      y = apply(L.activation({ activation: 'relu', name: `${p}_0_relu` }), y);
      y = apply(L.conv2d({ filters: 128, kernelSize: 1, useBias: false, name: `${p}_1_conv`, ...zeros }), y);
      y = apply(L.batchNormalization(bnArgs(`${p}_1_bn`, 1.001e-5)), y);
      y = apply(L.activation({ activation: 'relu', name: `${p}_1_relu` }), y);
      y = apply(L.conv2d({ filters: 32, kernelSize: 3, padding: 'same', useBias: false, name: `${p}_2_conv`, ...zeros }), y);
      x = apply(L.concatenate({ axis: -1, name: `${p}_concat` }), [x, y]);
    }
    if (b < blocks.length - 1) {
      const p = `pool${b + 2}`;
      const c = x.shape[3] as number;
      x = apply(L.batchNormalization(bnArgs(`${p}_bn`, 1.001e-5)), x);
      x = apply(L.activation({ activation: 'relu', name: `${p}_relu` }), x);
      x = apply(L.conv2d({ filters: Math.floor(c * 0.5), kernelSize: 1, useBias: false, name: `${p}_conv`, ...zeros }), x);
      x = apply(L.averagePooling2d({ poolSize: 2, strides: 2, name: `${p}_pool` }), x);
    }
  });
  x = apply(L.batchNormalization(bnArgs('bn', 1.001e-5)), x);
  x = apply(L.activation({ activation: 'relu', name: 'relu' }), x);
  x = apply(L.globalAveragePooling2d({ name: 'avg_pool' }), x);
  x = apply(L.dense({ units: 1000, activation: 'softmax', name: 'predictions', ...zeros }), x);
  return tf.model({ inputs: input, outputs: x, name: 'densenet121' });
}

function makeDivisible(v: number, divisor = 8): number {
  const n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return n < 0.9 * v ? n + divisor : n;
}

/** MobileNetV2 1.0/224 (keras/applications/mobilenet_v2.py): inverted residuals with ReLU6. */
export function mobileNetV2(): tf.LayersModel {
  const input = tf.input({ shape: [224, 224, 3], name: 'input_1' });
  let x = apply(L.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: 'Conv1_pad' }), input);
  x = apply(L.conv2d({ filters: 32, kernelSize: 3, strides: 2, useBias: false, name: 'Conv1', ...zeros }), x);
  x = apply(L.batchNormalization(bnArgs('bn_Conv1')), x);
  x = apply(L.reLU({ maxValue: 6, name: 'Conv1_relu' }), x);
  const cfg: [number, number, number, number][] = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
  let block = 0;
  for (const [t, c, n, s] of cfg) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const inC = x.shape[3] as number;
      const out = makeDivisible(c);
      const p = block === 0 ? 'expanded_conv_' : `block_${block}_`;
      let y = x;
      if (t !== 1) {
        y = apply(L.conv2d({ filters: t * inC, kernelSize: 1, padding: 'same', useBias: false, name: `${p}expand`, ...zeros }), y);
        y = apply(L.batchNormalization(bnArgs(`${p}expand_BN`)), y);
        y = apply(L.reLU({ maxValue: 6, name: `${p}expand_relu` }), y);
      }
      if (stride === 2) y = apply(L.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: `${p}pad` }), y);
      y = apply(L.depthwiseConv2d({ kernelSize: 3, strides: stride, useBias: false, padding: stride === 1 ? 'same' : 'valid', name: `${p}depthwise`, depthwiseInitializer: 'zeros' }), y);
      y = apply(L.batchNormalization(bnArgs(`${p}depthwise_BN`)), y);
      y = apply(L.reLU({ maxValue: 6, name: `${p}depthwise_relu` }), y);
      y = apply(L.conv2d({ filters: out, kernelSize: 1, padding: 'same', useBias: false, name: `${p}project`, ...zeros }), y);
      y = apply(L.batchNormalization(bnArgs(`${p}project_BN`)), y);
      x = inC === out && stride === 1 ? apply(L.add({ name: `${p}add` }), [x, y]) : y;
      block++;
    }
  }
  x = apply(L.conv2d({ filters: 1280, kernelSize: 1, useBias: false, name: 'Conv_1', ...zeros }), x);
  x = apply(L.batchNormalization(bnArgs('Conv_1_bn')), x);
  x = apply(L.reLU({ maxValue: 6, name: 'out_relu' }), x);
  x = apply(L.globalAveragePooling2d({ name: 'global_average_pooling2d' }), x);
  x = apply(L.dense({ units: 1000, activation: 'softmax', name: 'predictions', ...zeros }), x);
  return tf.model({ inputs: input, outputs: x, name: 'mobilenetv2_1.00_224' });
}

/**
 * EfficientNetB0 (keras/applications/efficientnet.py) without its Normalization layer, which tfjs
 * lacks: the test inserts it into the JSON after `rescaling`.
 */
export function efficientNetB0WithoutNormalization(): tf.LayersModel {
  const input = tf.input({ shape: [224, 224, 3], name: 'input_1' });
  let x = apply(L.rescaling({ scale: 1 / 255, name: 'rescaling' }), input);
  x = apply(L.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: 'stem_conv_pad' }), x);
  x = apply(L.conv2d({ filters: 32, kernelSize: 3, strides: 2, useBias: false, name: 'stem_conv', ...zeros }), x);
  x = apply(L.batchNormalization(bnArgs('stem_bn')), x);
  x = apply(L.activation({ activation: 'swish', name: 'stem_activation' }), x);
  const blocks: [number, number, number, number, number, number][] = [
    [3, 1, 32, 16, 1, 1], [3, 2, 16, 24, 6, 2], [5, 2, 24, 40, 6, 2], [3, 3, 40, 80, 6, 2], [5, 3, 80, 112, 6, 1], [5, 4, 112, 192, 6, 2], [3, 1, 192, 320, 6, 1],
  ];
  blocks.forEach(([k, repeats, fin, fout, expand, s], b) => {
    for (let j = 0; j < repeats; j++) {
      const filtersIn = j === 0 ? fin : fout;
      const stride = j === 0 ? s : 1;
      const p = `block${b + 1}${String.fromCharCode(97 + j)}_`;
      const filters = filtersIn * expand;
      let y = x;
      if (expand !== 1) {
        y = apply(L.conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, name: `${p}expand_conv`, ...zeros }), y);
        y = apply(L.batchNormalization(bnArgs(`${p}expand_bn`)), y);
        y = apply(L.activation({ activation: 'swish', name: `${p}expand_activation` }), y);
      }
      if (stride === 2) y = apply(L.zeroPadding2d({ padding: k === 3 ? [[0, 1], [0, 1]] : [[1, 2], [1, 2]], name: `${p}dwconv_pad` }), y);
      y = apply(L.depthwiseConv2d({ kernelSize: k, strides: stride, padding: stride === 2 ? 'valid' : 'same', useBias: false, name: `${p}dwconv`, depthwiseInitializer: 'zeros' }), y);
      y = apply(L.batchNormalization(bnArgs(`${p}bn`)), y);
      y = apply(L.activation({ activation: 'swish', name: `${p}activation` }), y);
      const se = Math.max(1, Math.floor(filtersIn * 0.25));
      let z = apply(L.globalAveragePooling2d({ name: `${p}se_squeeze` }), y);
      z = apply(L.reshape({ targetShape: [1, 1, filters], name: `${p}se_reshape` }), z);
      z = apply(L.conv2d({ filters: se, kernelSize: 1, padding: 'same', activation: 'swish', name: `${p}se_reduce`, ...zeros }), z);
      z = apply(L.conv2d({ filters, kernelSize: 1, padding: 'same', activation: 'sigmoid', name: `${p}se_expand`, ...zeros }), z);
      y = apply(L.multiply({ name: `${p}se_excite` }), [y, z]);
      y = apply(L.conv2d({ filters: fout, kernelSize: 1, padding: 'same', useBias: false, name: `${p}project_conv`, ...zeros }), y);
      y = apply(L.batchNormalization(bnArgs(`${p}project_bn`)), y);
      if (stride === 1 && filtersIn === fout) {
        y = apply(L.dropout({ rate: 0.2, noiseShape: [null as unknown as number, 1, 1, 1], name: `${p}drop` }), y);
        y = apply(L.add({ name: `${p}add` }), [y, x]);
      }
      x = y;
    }
  });
  x = apply(L.conv2d({ filters: 1280, kernelSize: 1, padding: 'same', useBias: false, name: 'top_conv', ...zeros }), x);
  x = apply(L.batchNormalization(bnArgs('top_bn')), x);
  x = apply(L.activation({ activation: 'swish', name: 'top_activation' }), x);
  x = apply(L.globalAveragePooling2d({ name: 'avg_pool' }), x);
  x = apply(L.dropout({ rate: 0.2, name: 'top_dropout' }), x);
  x = apply(L.dense({ units: 1000, activation: 'softmax', name: 'predictions', ...zeros }), x);
  return tf.model({ inputs: input, outputs: x, name: 'efficientnetb0' });
}

type Json = Record<string, unknown>;

/** Inserts a Keras Normalization layer (axis -1, adapted: mean/variance/count weights) after `after`. */
export function insertNormalization(topology: Json, after: string, name = 'normalization'): Json {
  const cfg = (topology.config ?? topology) as { layers: Json[] };
  const i = cfg.layers.findIndex((l) => l.name === after);
  if (i < 0) throw new Error(`no layer ${after}`);
  for (const l of cfg.layers) {
    const nodes = l.inbound_nodes as unknown[][][] | undefined;
    for (const n of nodes ?? []) for (const r of n) if (r[0] === after) r[0] = name;
  }
  cfg.layers.splice(i + 1, 0, { class_name: 'Normalization', name, config: { name, trainable: true, dtype: 'float32', axis: -1, mean: null, variance: null, invert: false }, inbound_nodes: [[[after, 0, 0, {}]]] });
  return topology;
}
