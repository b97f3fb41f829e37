// Keras 1 / 2 / 3 / tfjs spellings of a layer config -> one normalised config in Keras 2 spelling.
import { isObject } from './json';
import { dict, table } from '../../tables';

type Cfg = Record<string, unknown>;

/** Keras 1 class names that Keras 2 renamed. */
const K1_CLASSES: Record<string, string> = table({
  Convolution1D: 'Conv1D', Convolution2D: 'Conv2D', Convolution3D: 'Conv3D',
  AtrousConvolution1D: 'Conv1D', AtrousConvolution2D: 'Conv2D',
  Deconvolution2D: 'Conv2DTranspose', Deconvolution3D: 'Conv3DTranspose',
  TimeDistributedDense: 'Dense', SeparableConvolution1D: 'SeparableConv1D', SeparableConvolution2D: 'SeparableConv2D',
});

/** Keras 3 / tfjs spellings that differ from Keras 2. */
const K3_CLASSES: Record<string, string> = table({
  Functional: 'Model',
});

const MERGE_MODES: Record<string, string> = table({
  sum: 'Add', mul: 'Multiply', concat: 'Concatenate', ave: 'Average', max: 'Maximum', dot: 'Dot', cos: 'Dot',
});

/** Keras 3 object classes renamed from Keras 2 (initializers, regularizers), for the Keras 2 form. */
const K3_OBJECT_CLASSES: Record<string, string> = table({
  OrthogonalInitializer: 'Orthogonal', L2: 'L1L2', L1: 'L1L2', L1L2: 'L1L2',
  IdentityInitializer: 'Identity',
});

function dataFormat(dimOrdering: unknown): string | undefined {
  if (dimOrdering === 'th') return 'channels_first';
  if (dimOrdering === 'tf' || dimOrdering === 'default') return 'channels_last';
  return undefined;
}

function rename(c: Cfg, from: string, to: string): void {
  if (from !== to && from in c) {
    if (!(to in c)) c[to] = c[from];
    delete c[from];
  }
}

/** Keras 1 argument names -> Keras 2 (Keras 2's own legacy conversion, abbreviated). */
function fromKeras1(cls: string, c: Cfg): void {
  rename(c, 'output_dim', cls === 'Embedding' ? 'output_dim' : 'units');
  rename(c, 'nb_filter', 'filters');
  rename(c, 'subsample', 'strides');
  rename(c, 'subsample_length', 'strides');
  rename(c, 'border_mode', 'padding');
  rename(c, 'atrous_rate', 'dilation_rate');
  rename(c, 'bias', 'use_bias');
  rename(c, 'init', 'kernel_initializer');
  rename(c, 'inner_init', 'recurrent_initializer');
  rename(c, 'W_regularizer', 'kernel_regularizer');
  rename(c, 'b_regularizer', 'bias_regularizer');
  rename(c, 'W_constraint', 'kernel_constraint');
  rename(c, 'b_constraint', 'bias_constraint');
  rename(c, 'filter_length', 'kernel_size');
  rename(c, 'pool_length', 'pool_size');
  rename(c, 'stride', 'strides');
  if ('nb_row' in c && 'nb_col' in c) { c.kernel_size = [c.nb_row, c.nb_col]; delete c.nb_row; delete c.nb_col; }
  if ('kernel_dim1' in c) { c.kernel_size = [c.kernel_dim1, c.kernel_dim2, c.kernel_dim3]; delete c.kernel_dim1; delete c.kernel_dim2; delete c.kernel_dim3; }
  if (cls === 'Dropout' || cls === 'SpatialDropout1D' || cls === 'SpatialDropout2D' || cls === 'SpatialDropout3D') rename(c, 'p', 'rate');
  if ('dim_ordering' in c) {
    const f = dataFormat(c.dim_ordering);
    if (f && !('data_format' in c)) c.data_format = f;
    delete c.dim_ordering;
  }
  if (typeof c.padding === 'string') c.padding = c.padding.toLowerCase();
  if (cls.startsWith('SeparableConv')) {
    // Keras 1's single init/regularizer/constraint applied to both kernels of a separable conv.
    for (const kind of ['initializer', 'regularizer', 'constraint']) {
      const k = `kernel_${kind}`;
      if (k in c) {
        c[`depthwise_${kind}`] ??= c[k];
        c[`pointwise_${kind}`] ??= c[k];
        delete c[k];
      }
    }
  }
}

/** A Keras 3 DTypePolicy object -> its name (the Keras 2 `dtype` string). */
function dtypeName(d: unknown): unknown {
  if (isObject(d) && d.class_name === 'DTypePolicy' && isObject(d.config)) return d.config.name;
  if (isObject(d) && isObject(d.config) && typeof d.config.name === 'string') return d.config.name;
  return d;
}

/**
 * Serialized Keras objects inside a config (initializers, regularizers, constraints): drop Keras 3's
 * module/registered_name and rename classes Keras 3 renamed, giving the Keras 2 form.
 */
export function keras2Object(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(keras2Object);
  if (!isObject(v)) return v;
  if (v.class_name === '__tuple__' && Array.isArray((v as Cfg).items)) return ((v as Cfg).items as unknown[]).map(keras2Object);
  // Null-prototype: a key `__proto__` from the file is an entry, not the object's prototype.
  const o: Cfg = dict();
  for (const [k, x] of Object.entries(v)) {
    if (k === 'module' || k === 'registered_name') continue;
    o[k] = keras2Object(x);
  }
  if (typeof o.class_name === 'string' && isObject(o.config) && 'module' in v) {
    const renamed = K3_OBJECT_CLASSES[o.class_name];
    if (renamed) {
      o.class_name = renamed;
      if (renamed === 'L1L2') o.config = { l1: (o.config as Cfg).l1 ?? 0, l2: (o.config as Cfg).l2 ?? 0 };
    }
  }
  return o;
}

export interface NormalisedClass {
  className: string;
  /** Non-empty when the class is not a Keras built-in (custom, third-party, or unknown). */
  customReason?: string;
}

/** Built-in modules: a layer from elsewhere (keras_cv, __main__, a user package) is custom. */
function isKerasModule(m: unknown): boolean {
  return m === null || m === undefined || (typeof m === 'string' && (m === 'keras' || m.startsWith('keras.') || m.startsWith('tf_keras') || m.startsWith('tensorflow')));
}

export function normaliseClass(obj: Cfg, config: Cfg): NormalisedClass {
  let cls = text(obj.class_name);
  if (K1_CLASSES[cls]) cls = K1_CLASSES[cls];
  if (K3_CLASSES[cls]) cls = K3_CLASSES[cls];
  if (cls === 'Merge') {
    const mode = text(config.mode ?? 'sum');
    cls = Object.hasOwn(MERGE_MODES, mode) ? MERGE_MODES[mode] : 'Merge';
  }
  const reg = obj.registered_name;
  if (typeof reg === 'string' && reg !== cls && reg !== obj.class_name && reg.includes('>')) return { className: cls, customReason: `custom layer "${reg}" (module ${text(obj.module)})` };
  if (!isKerasModule(obj.module)) return { className: cls, customReason: `custom layer ${cls} (module ${text(obj.module)})` };
  return { className: cls };
}

/** Normalises one layer's config (not its nested layers) to the Keras 2 spelling. */
export function normaliseConfig(originalClass: string, className: string, config: Cfg): Cfg {
  const c: Cfg = dict();
  for (const [k, v] of Object.entries(config)) c[k] = k === 'layers' || k === 'layer' || k === 'backward_layer' ? v : keras2Object(v);
  if ('dtype' in c) c.dtype = dtypeName(config.dtype);
  if ('batch_shape' in c) { if (!('batch_input_shape' in c)) c.batch_input_shape = c.batch_shape; delete c.batch_shape; }
  fromKeras1(className, c);
  if (originalClass === 'Merge') {
    if (className === 'Concatenate') c.axis = typeof c.concat_axis === 'number' ? c.concat_axis : -1;
    if (className === 'Dot') { c.axes = c.dot_axes ?? -1; c.normalize = config.mode === 'cos'; }
  }
  if (className === 'GRU' && !('reset_after' in c)) c.reset_after = false; // Keras < 2.3 GRUs had one bias
  return c;
}

/** K1/K2 list-form inbound refs or a K3 `__keras_tensor__`: a [layer, node, tensor] triple. */
export interface TensorRef {
  layer: string;
  node: number;
  tensor: number;
  /** Keras 3 writes the tensor's shape with every reference. */
  shape?: (number | null)[];
  dtype?: string;
}

function kerasTensor(v: unknown): TensorRef | undefined {
  if (!isObject(v) || v.class_name !== '__keras_tensor__' || !isObject(v.config)) return undefined;
  const h = v.config.keras_history;
  if (!Array.isArray(h) || typeof h[0] !== 'string') return undefined;
  const shape = Array.isArray(v.config.shape) ? (v.config.shape as (number | null)[]) : undefined;
  return { layer: h[0], node: index(h[1]), tensor: index(h[2]), shape, dtype: typeof v.config.dtype === 'string' ? v.config.dtype : undefined };
}

function collectTensors(v: unknown, acc: TensorRef[]): void {
  const t = kerasTensor(v);
  if (t) { acc.push(t); return; }
  if (Array.isArray(v)) for (const x of v) collectTensors(x, acc);
  else if (isObject(v)) for (const x of Object.values(v)) collectTensors(x, acc);
}

export interface Inbound {
  refs: TensorRef[];
  kwargs: Cfg;
  /** The node was written in Keras 3's {args, kwargs} form. */
  k3: boolean;
}

/**
 * Tensor keyword arguments that are not data inputs of the layer's rule (masks, RNN initial states):
 * kept in kwargs rather than made inputs, so that e.g. MultiHeadAttention's inputs stay [query, value, key].
 */
const SIDE_INPUTS = /mask|initial_state|constants|training/;

/** One entry of `inbound_nodes` in any dialect. */
export function normaliseInbound(node: unknown): Inbound {
  if (isObject(node) && ('args' in node || 'kwargs' in node)) {
    const refs: TensorRef[] = [];
    collectTensors(node.args, refs);
    const kwargs: Cfg = dict();
    if (isObject(node.kwargs)) {
      for (const [k, v] of Object.entries(node.kwargs)) {
        const before = refs.length;
        if (!SIDE_INPUTS.test(k)) collectTensors(v, refs);
        if (refs.length === before) kwargs[k] = v;
      }
    }
    return { refs, kwargs, k3: true };
  }
  const refs: TensorRef[] = [];
  let kwargs: Cfg = dict();
  if (Array.isArray(node)) {
    // TF >= 2.4 writes a call with one tensor argument and kwargs flat: [layer, node, tensor, kwargs].
    const entries = typeof node[0] === 'string' ? [node] : node;
    for (const r of entries) {
      if (Array.isArray(r) && typeof r[0] === 'string') {
        refs.push({ layer: r[0], node: index(r[1]), tensor: index(r[2]) });
        if (isObject(r[3])) {
          for (const [k, v] of Object.entries(r[3])) {
            // A tensor keyword argument (TFOpLambda y=tensor) is written as its [layer, node, tensor].
            if (!SIDE_INPUTS.test(k) && Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number') refs.push({ layer: v[0], node: v[1], tensor: v[2] });
            else kwargs[k] = v;
          }
        }
      }
    }
  }
  return { refs, kwargs, k3: false };
}

/** input_layers / output_layers: nested [[name, node, tensor], ...] or Keras 3's flat single triple. */
export function normaliseEndpoints(v: unknown): TensorRef[] {
  if (!Array.isArray(v)) return [];
  if (typeof v[0] === 'string') return [{ layer: v[0], node: index(v[1]), tensor: index(v[2]) }];
  const out: TensorRef[] = [];
  for (const r of v) if (Array.isArray(r) && typeof r[0] === 'string') out.push({ layer: r[0], node: index(r[1]), tensor: index(r[2]) });
  return out;
}

/** A node or tensor index from untrusted JSON: absent means 0; anything but a number or numeric text is NaN (no match). */
function index(v: unknown): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' || typeof v === 'string' ? Number(v) : NaN;
}

/** Text of an untrusted JSON value for names and messages: String() throws on objects without a prototype. */
function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || typeof v !== 'object') return String(v);
  try {
    return JSON.stringify(v).slice(0, 200);
  } catch {
    return '[object]';
  }
}
