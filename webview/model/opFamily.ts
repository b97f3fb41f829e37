/** Op families drive node colours. One table: ONNX op types and Keras layer classes side by side. */
export type OpFamily =
  | 'conv' | 'linear' | 'norm' | 'activation' | 'pooling' | 'elementwise' | 'shape'
  | 'recurrent' | 'attention' | 'embedding' | 'io' | 'custom' | 'other';

export const FAMILY_LABEL: Record<OpFamily, string> = {
  conv: 'Convolution', linear: 'Linear / MatMul', norm: 'Normalization', activation: 'Activation',
  pooling: 'Pooling', elementwise: 'Elementwise', shape: 'Shape / data movement', recurrent: 'Recurrent',
  attention: 'Attention', embedding: 'Embedding / gather', io: 'Graph input / output',
  custom: 'Custom / not costed', other: 'Other',
};

const TABLE: Record<string, OpFamily> = {};
function put(f: OpFamily, names: string): void {
  for (const n of names.split(/\s+/)) if (n) TABLE[n.toLowerCase()] = f;
}
put('conv', 'Conv ConvTranspose ConvInteger QLinearConv Conv1D Conv2D Conv3D Conv1DTranspose Conv2DTranspose Conv3DTranspose DepthwiseConv1D DepthwiseConv2D SeparableConv1D SeparableConv2D Convolution2D Deconvolution2D LocallyConnected2D');
put('linear', 'Gemm MatMul MatMulInteger QLinearMatMul Einsum Dense EinsumDense Dot BatchMatMul');
put('norm', 'BatchNormalization LayerNormalization InstanceNormalization GroupNormalization LpNormalization LRN MeanVarianceNormalization SimplifiedLayerNormalization SkipLayerNormalization RMSNormalization UnitNormalization Normalization');
put('activation', 'Relu LeakyRelu PRelu Elu Selu Celu Gelu FastGelu BiasGelu Sigmoid HardSigmoid HardSwish Swish Mish Tanh Softmax LogSoftmax Softplus Softsign ThresholdedRelu Clip Activation ReLU ELU Softmax QuickGelu');
put('pooling', 'MaxPool AveragePool GlobalAveragePool GlobalMaxPool LpPool GlobalLpPool MaxRoiPool RoiAlign MaxPooling1D MaxPooling2D MaxPooling3D AveragePooling1D AveragePooling2D AveragePooling3D GlobalAveragePooling1D GlobalAveragePooling2D GlobalAveragePooling3D GlobalMaxPooling1D GlobalMaxPooling2D GlobalMaxPooling3D ReduceMean ReduceMax ReduceMin ReduceSum ReduceProd ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceSumSquare');
put('elementwise', 'Add Sub Mul Div Pow Sqrt Exp Log Abs Neg Reciprocal Floor Ceil Round Erf Sin Cos Min Max Mean Sum Where Equal Less Greater LessOrEqual GreaterOrEqual Not And Or Xor Sign Mod BitShift IsNaN IsInf Multiply Subtract Add Average Maximum Minimum Dropout Identity Cast CastLike Bias Scale');
put('shape', 'Reshape Transpose Flatten Squeeze Unsqueeze Concat Split Slice Gather GatherElements GatherND Shape Size Expand Tile Pad Resize Upsample DepthToSpace SpaceToDepth Constant ConstantOfShape Range NonZero ScatterND ScatterElements TopK ArgMax ArgMin OneHot Trilu CumSum Concatenate Flatten Permute RepeatVector Cropping2D ZeroPadding2D UpSampling2D InputLayer Lambda TimeDistributed Masking SpatialDropout2D GaussianNoise Rescaling Resizing');
put('recurrent', 'LSTM GRU RNN SimpleRNN Bidirectional ConvLSTM2D CuDNNLSTM CuDNNGRU');
put('attention', 'Attention MultiHeadAttention AdditiveAttention GroupQueryAttention');
put('embedding', 'Embedding');

/** Family of a layer; not-costed layers of unknown type are 'custom'. */
export function opFamily(type: string, costed = true): OpFamily {
  const f = TABLE[type.toLowerCase()];
  if (f) return f;
  return costed ? 'other' : 'custom';
}
