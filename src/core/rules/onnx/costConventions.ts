/**
 * Cost conventions (the README's "Cost conventions" table is copied from here).
 *
 * MACs (multiply-accumulates) follow the torchvision / torch-forward-hook convention of the shared
 * manifest (`mac_convention`): only the products of weight-bearing linear algebra count.
 *
 *   op                        MACs
 *   Conv / ConvInteger /      out_elems * (C_in / group) * prod(kernel)
 *     QLinearConv
 *   ConvTranspose             in_elems * (C_out / group) * prod(kernel)   (each input element meets one
 *                                                                           C_out/group x kernel filter;
 *                                                                           equals torch hooks counting
 *                                                                           in.numel()*out_ch/groups*k)
 *   Gemm                      M * N * K
 *   MatMul / MatMulInteger /  out_elems * K   (numpy batching; attention's QK^T and AV are MatMuls)
 *     QLinearMatMul / FusedMatMul
 *   Einsum (2 operands)       product of the sizes of all distinct letters
 *   LSTM                      seq * batch * dirs * 4H * (I + H)
 *   GRU                       seq * batch * dirs * 3H * (I + H)
 *   RNN                       seq * batch * dirs * H * (I + H)
 *   attention (ONNX Attention-23, com.microsoft Attention / MultiHeadAttention / GroupQueryAttention)
 *                             B * Hq * S * T * (E + Ev): QK^T and A·V over the total sequence
 *                             T = past + new (causal mask not exploited); com.microsoft Attention
 *                             adds its fused QKV projection B*S*D_in*(2D + Dv)
 *   MatMulNBits               M * N * K (as the float MatMul it stands for: block dequantization not
 *                             counted); params N * K, bytes as stored (packed blocks, scales, zero points)
 *   QLinear* / QGemm / QOrderedMatMul / FusedMatMul / FusedConv / NhwcConv
 *                             the float op's MACs (quantization changes bytes, not the arithmetic)
 *   If                        the branch taken when the condition is known, else the larger branch
 *   Loop / Scan               body * trip count (unknown trip count: one iteration, with a warning)
 *   everything else           0
 *
 * FLOPs = 2 * MACs + the per-element work below (per OUTPUT element unless said otherwise):
 *
 *   bias of Conv/ConvTranspose/Gemm (C input)   1 per output element
 *   Add Sub Mul Div Pow Mod Max Min, comparisons, And Or Xor, Where, Sum/Max/Min (n inputs)
 *                                               n-1 (binary ops: 1); Mean: n
 *   Relu Abs Neg Sign Floor Ceil Round Sqrt Reciprocal Exp Log Erf trig Tanh ThresholdedRelu Not
 *                                               1
 *   LeakyRelu PRelu Clip Shrink                 2
 *   HardSigmoid Elu Softplus Softsign           3
 *   Sigmoid HardSwish Selu Celu                 4
 *   Gelu (erf form)                             5     Gelu tanh form / FastGelu: 8
 *   Mish                                        5
 *   Softmax LogSoftmax                          5 (max, sub, exp, sum, div|log-sub)
 *   BatchNormalization (inference)              2 (folded scale and shift)
 *   LayerNormalization InstanceNormalization GroupNormalization MeanVarianceNormalization
 *                                               5 (mean, sub, square, var, scale) + 1 per affine term
 *   LRN                                         size + 3
 *   MaxPool / AveragePool / LpPool              prod(kernel) per output element
 *   GlobalAveragePool / GlobalMaxPool           1 per INPUT element
 *   Reduce* / ArgMax / ArgMin / TopK / CumSum   1 per INPUT element (ReduceL2, LogSumExp, SumSquare: 2)
 *   Resize linear / cubic                       3 / 8 per output element per resized axis; nearest 0
 *   LSTM / GRU / RNN elementwise                per step and direction: LSTM 26H, GRU 19H, RNN 3H
 *   Quantize/DequantizeLinear                   2
 *   SoftmaxCrossEntropyLoss                     5 per score element + per target: 1, +1 weight, +1 reduction
 *   NegativeLogLikelihoodLoss                   per target: 1, +1 weight, +1 reduction
 *   Adagrad / Momentum / Adam                   8 / 6 / 14 per element of each optimized tensor
 *   DFT / STFT                                  5·N·log2(N) per transform (+ N per windowed frame)
 *   Blackman/Hamming/HannWindow, MelWeightMatrix  4 per output element
 *   StringNormalizer                            1 per input string; TfIdfVectorizer 1 per input element per n-gram length
 *   Unique                                      log2(n) comparisons per input element (a sort)
 *   MaxUnpool                                   1 per input element (a scatter)
 *   ai.onnx.ml: LinearClassifier/Regressor  MACs N·C·E (+ intercept, post_transform 4 per score)
 *     SVMClassifier/Regressor               MACs N·(S·C + S·E) with S support vectors (linear: N·C·E)
 *     TreeEnsemble*                         FLOPs N·(sum of tree depths + trees·targets): comparisons per sample
 *     Normalizer 3, Scaler 2, Binarizer/Imputer/LabelEncoder/CategoryMapper 1 per element; others 0
 *     params: the attributes holding the model (coefficients, intercepts, support vectors, tree
 *     thresholds and leaf weights), counted as the node's parameters
 *   Col2Im 1 per input element; DeformConv: Conv MACs + 8 per sampled tap; AffineGrid 2·d·(d+1) per point;
 *   ImageDecoder 1 per output element; StringConcat/RegexFullMatch/StringSplit 1 per string;
 *   TensorScatter 0 (data movement); Swish 5; Multinomial sample_size·classes per batch row
 *   Gradient                                    not costed (a backward pass the op does not describe)
 *   GridSample 8; RoiAlign 8 * sampling_ratio^2; Det 2 * n^3/3 per matrix
 *   com.microsoft: Gelu 5, BiasGelu 6, FastGelu 8 (+1 with bias), QuickGelu 6, SkipLayerNormalization
 *   1 + 5 + affine terms, Simplified/RMS norms 3 + 1 per affine term (+1 skip), RotaryEmbedding 3 per
 *   rotated element, attention softmax 5 per score, GatherBlockQuantized 1-2 (dequantization),
 *   FusedConv's activation as the op of that name, QLinear* the float op's FLOPs
 *   data movement (Reshape Transpose Concat Slice Gather Pad Expand Tile Cast Shape Identity Dropout
 *   Squeeze Unsqueeze Split Constant ...)      0
 *   any node whose outputs are all known at analysis time (shape arithmetic on Shape outputs and
 *   constants, e.g. Gather/Div/Cast of a sequence length)                     0 (runtimes fold it)
 *
 * Parameters are elements of floating-point initializers used by some node (each counted once, at its
 * first consumer). Constant-node tensors and integer initializers are not parameters.
 */

/** Per-output-element FLOPs of unary elementwise ops. */
import { table } from '../../tables';

export const UNARY_FLOPS: Record<string, number> = table({
  Relu: 1, Abs: 1, Neg: 1, Sign: 1, Floor: 1, Ceil: 1, Round: 1, Sqrt: 1, Reciprocal: 1, Exp: 1, Log: 1, Erf: 1,
  Sin: 1, Cos: 1, Tan: 1, Asin: 1, Acos: 1, Atan: 1, Sinh: 1, Cosh: 1, Asinh: 1, Acosh: 1, Atanh: 1, Tanh: 1,
  ThresholdedRelu: 1, Not: 1, IsNaN: 1, IsInf: 1, BitwiseNot: 1,
  LeakyRelu: 2, Shrink: 2, Clip: 2,
  HardSigmoid: 3, Elu: 3, Softplus: 3, Softsign: 3,
  Sigmoid: 4, HardSwish: 4, Selu: 4, Celu: 4,
  Gelu: 5, Mish: 5, Swish: 5,
  Identity: 0, Dropout: 0, Cast: 0, CastLike: 0,
});

/** Per-output-element FLOPs of binary elementwise ops (variadic ones: per extra input). */
export const BINARY_FLOPS: Record<string, number> = table({
  Add: 1, Sub: 1, Mul: 1, Div: 1, Pow: 1, Mod: 1, Max: 1, Min: 1, Sum: 1, Mean: 1,
  Equal: 1, Less: 1, Greater: 1, LessOrEqual: 1, GreaterOrEqual: 1, And: 1, Or: 1, Xor: 1,
  BitShift: 1, BitwiseAnd: 1, BitwiseOr: 1, BitwiseXor: 1, PRelu: 2,
});

export const SOFTMAX_FLOPS = 5;
export const BATCHNORM_FLOPS = 2;
export const NORM_STAT_FLOPS = 5;
export const LSTM_ELEMWISE_PER_H = 26;
export const GRU_ELEMWISE_PER_H = 19;
export const RNN_ELEMWISE_PER_H = 3;
export const QUANT_FLOPS = 2;
/** Rotary embedding: 2 multiplies + 1 add per rotated element. */
export const ROTARY_FLOPS = 3;
/** RMS normalisation statistics: square, sum, scale by 1/rms (the mean-free part of NORM_STAT_FLOPS). */
export const RMS_STAT_FLOPS = 3;

/**
 * Optimizer steps (ai.onnx.preview.training), per element of each optimized tensor X:
 * Adagrad: decayed rate, G + norm·X, H += G², sqrt, + eps, divide, X -= r·update = 8;
 * Momentum: G + norm·X, V = a·V + b·G, X -= r·V = 6 (mode 'nesterov': X -= r·(G + a·V), one more = 7);
 * Adam: G + norm·X, V = a·V + (1-a)·G, H = b·H + (1-b)·G², sqrt, + eps, bias corrections, divide, X -= r·update = 14.
 */
/** FFT (DFT, STFT): 5·N·log2(N) FLOPs per transform of length N. */
export const FFT_FLOPS_PER_POINT_LOG2 = 5;
/** Window functions and mel weights: a cosine sum or a triangle, about 4 operations per value. */
export const WINDOW_FLOPS = 4;
/** TfIdfVectorizer: one hash lookup per n-gram start per n; StringNormalizer: one pass per string. */
export const TEXT_FLOPS = 1;

/** ai.onnx.ml: a post_transform (softmax / logistic) per score, a norm per element (L1/L2/max). */
export const ML_FLOPS = { postTransform: 4, normalizer: 3 } as const;

/** Bilinear sampling of one value (GridSample, DeformConv taps). */
export const GRID_SAMPLE_FLOPS = 8;

export const OPTIMIZER_FLOPS = { Adagrad: 8, Momentum: 6, Adam: 14 } as const;
