// Normalised Keras model tree -> IR graph: one Node per layer call, nested models flattened with a scope,
// weights sized by the layer rules and registered once per weight name (shared layers and models).
import { ModelError } from '../../errors';
import { sym, unknownDim, type Dim } from '../../ir/dim';
import type { DType } from '../../ir/dtype';
import type { Graph, Node, TensorType, ValueInfo } from '../../ir/graph';
import type { LazyTensor, TensorSource } from '../../ir/tensor';
import { layerRuleFor, nodeConfig } from '../../rules/keras/table';
import type { KerasConfig, LayerRule } from '../../rules/keras/types';
import type { TensorRef } from './dialect';
import type { KLayer, KModel } from './topology';
import { MinHeap } from '../../ir/minHeap';
import { table } from '../../tables';
import { RuleError } from '../../rules/types';

/** Finds where a weight's bytes are (tfjs shards, .keras/.h5 datasets); absent when nowhere. */
export type WeightLocator = (weightName: string, dims: number[], layer: string, local: string) => { source: TensorSource; dtype?: DType };

export interface BuildOptions {
  locate?: WeightLocator;
  absentReason: string;
  /** Layer calls after flattening nested models (default MAX_KERAS_NODES). */
  maxNodes?: number;
}

/**
 * Real Keras models have at most tens of thousands of layer calls. A nested model called twice in a
 * model called twice ... doubles per level: a 5 KB config can expand to billions of nodes.
 */
export const MAX_KERAS_NODES = 100_000;

const DTYPES: Record<string, DType> = table({
  float32: 'float32', float16: 'float16', bfloat16: 'bfloat16', float64: 'float64', int32: 'int32', int64: 'int64',
  int8: 'int8', uint8: 'uint8', int16: 'int16', bool: 'bool', string: 'string',
});

export function dtypeOf(v: unknown, dflt: DType = 'float32'): DType {
  return typeof v === 'string' && DTYPES[v] ? DTYPES[v] : dflt;
}

/** Weight dtype: the layer's variable dtype (mixed_* policies keep float32 variables). */
function weightDtype(cfg: KerasConfig): DType {
  const d = cfg.dtype;
  return typeof d === 'string' && !d.startsWith('mixed') && DTYPES[d] && DTYPES[d].startsWith('float') ? DTYPES[d] : 'float32';
}

function refKey(layer: string, node: number, tensor: number): string {
  return `${layer}\u0000${node}\u0000${tensor}`;
}

export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly initializers = new Map<string, LazyTensor>();
  readonly types = new Map<string, TensorType>();
  readonly warnings: string[] = [];
  private readonly ids = new Set<string>();

  constructor(private readonly opts: BuildOptions) {}

  build(m: KModel): Graph {
    const max = this.opts.maxNodes ?? MAX_KERAS_NODES;
    const n = expandedCalls(m, new Map());
    if (n > max) throw new ModelError(`the model expands to ${n >= 2 ** 53 ? 'over 2^53' : n} layer calls once nested models are flattened (limit ${max})`, 'limit');
    const outs = this.emitModel(m, null, [], '', []);
    const outputs: ValueInfo[] = outs.map((v) => ({ name: v, ...(this.types.get(v) ?? { dtype: 'float32' as DType }) }));
    const valueInfo = new Map<string, ValueInfo>();
    for (const [name, t] of this.types) valueInfo.set(name, { name, ...t });
    return { name: m.name, nodes: this.nodes, inputs: this.inputs, outputs, initializers: this.initializers, valueInfo };
  }

  /** Shape of an InputLayer / first Sequential layer, as a type with batch and free dims symbolic. */
  private inputType(layer: KLayer, name: string): TensorType | undefined {
    const c = layer.config;
    let shape: unknown = c.batch_input_shape;
    if (!Array.isArray(shape) && Array.isArray(c.input_shape)) shape = [null, ...c.input_shape];
    if (!Array.isArray(shape) && layer.className === 'InputLayer' && Array.isArray(c.shape)) shape = [null, ...c.shape];
    if (!Array.isArray(shape) && typeof c.input_dim === 'number' && layer.className !== 'Embedding') {
      // Keras 1 sequence layers declared input_dim (+ input_length) for [batch, steps, features].
      const sequence = ['LSTM', 'GRU', 'SimpleRNN', 'Conv1D', 'MaxPooling1D', 'AveragePooling1D', 'TimeDistributed', 'Bidirectional'].includes(layer.className);
      shape = sequence ? [null, typeof c.input_length === 'number' ? c.input_length : null, c.input_dim] : [null, c.input_dim];
    }
    if (!Array.isArray(shape) && Array.isArray(layer.buildInputShape) && !Array.isArray(layer.buildInputShape[0])) shape = layer.buildInputShape;
    if (!Array.isArray(shape) && layer.className === 'Embedding' && typeof c.input_length === 'number') shape = [null, c.input_length];
    if (!Array.isArray(shape)) return undefined;
    const dims: Dim[] = shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? sym('batch') : sym(`${name.replace(/[^\w]/g, '_')}_d${i}`)));
    const dflt: DType = layer.className === 'Embedding' ? 'float32' : 'float32';
    return { dtype: dtypeOf(c.dtype, dflt), shape: dims };
  }

  /** Input type of a Sequential's first layer, looking into nested models (Sequential in Sequential). */
  private firstInputType(l: KLayer): TensorType | undefined {
    const own = this.inputType(l, l.name);
    if (own || !l.model) return own;
    const m = l.model;
    if (m.sequential) return this.firstInputType(m.layers[0]);
    if (m.inputs.length !== 1) return undefined;
    const inp = m.layers.find((x) => x.name === m.inputs[0].layer);
    return inp ? this.inputType(inp, inp.name) : undefined;
  }

  private addGraphInput(name: string, t: TensorType): string {
    this.inputs.push({ name, ...t });
    this.types.set(name, t);
    return name;
  }

  private emitModel(m: KModel, outer: string[] | null, scope: string[], idPrefix: string, weightPrefix: string[]): string[] {
    return m.sequential ? this.emitSequential(m, outer, scope, idPrefix, weightPrefix) : this.emitFunctional(m, outer, scope, idPrefix, weightPrefix);
  }

  private emitSequential(m: KModel, outer: string[] | null, scope: string[], idPrefix: string, weightPrefix: string[]): string[] {
    let layers = m.layers;
    let cur: string;
    if (outer) {
      if (outer.length !== 1) throw new ModelError(`Sequential model "${m.name}" called with ${outer.length} inputs`);
      cur = outer[0];
      if (layers[0].className === 'InputLayer') layers = layers.slice(1);
    } else if (layers[0].className === 'InputLayer') {
      const t = this.inputType(layers[0], layers[0].name);
      if (!t) throw new ModelError(`InputLayer "${layers[0].name}" declares no shape`);
      cur = this.addGraphInput(layers[0].name, t);
      layers = layers.slice(1);
    } else {
      const t = this.firstInputType(layers[0]) ?? (Array.isArray(m.buildInputShape) ? this.inputType({ ...layers[0], className: 'InputLayer', config: { batch_input_shape: m.buildInputShape } }, `${layers[0].name}_input`) : undefined);
      if (!t) throw new ModelError(`Sequential model "${m.name}" declares no input shape (its first layer "${layers[0].name}" has no batch_input_shape)`);
      cur = this.addGraphInput(`${layers[0].name}_input`, t);
    }
    layers.forEach((l, i) => {
      if (l.className === 'InputLayer') return;
      // Keras 3 writes each layer's build input shape: the next layer's tells an opaque layer's output.
      const next = layers[i + 1]?.buildInputShape;
      const decl = l.customReason && Array.isArray(next) && !Array.isArray(next[0]) ? [next as (number | null)[]] : undefined;
      const outs = l.model ? this.emitModel(l.model, [cur], [...scope, l.name], `${idPrefix}${l.name}/`, [...weightPrefix, l.name]) : this.emitLayer(l, 0, [cur], scope, idPrefix, weightPrefix, decl);
      cur = outs[0];
    });
    return [cur];
  }

  private emitFunctional(m: KModel, outer: string[] | null, scope: string[], idPrefix: string, weightPrefix: string[]): string[] {
    const byName = new Map(m.layers.map((l) => [l.name, l]));
    const produced = new Map<string, string>();
    const declared = new Map<string, (number | null)[]>();
    const offsets = this.nodeOffsets(m, byName);
    for (const l of m.layers) for (const c of l.calls) for (const r of c.refs) if (r.shape) declared.set(refKey(r.layer, r.node, r.tensor), r.shape);
    // Inputs: graph inputs at top level, the caller's tensors when nested.
    m.inputs.forEach((r, i) => {
      const l = byName.get(r.layer);
      if (!l) throw new ModelError(`model "${m.name}": input layer "${r.layer}" is not among its layers`);
      if (outer) {
        if (outer[i] === undefined) throw new ModelError(`model "${m.name}" is called with ${outer.length} inputs but has ${m.inputs.length}`);
        produced.set(refKey(r.layer, r.node, r.tensor), outer[i]);
      } else {
        const t = this.inputType(l, l.name);
        if (!t) throw new ModelError(`InputLayer "${l.name}" declares no shape`);
        produced.set(refKey(r.layer, r.node, r.tensor), this.addGraphInput(l.name, t));
      }
    });
    const pending: { layer: KLayer; call: number }[] = [];
    for (const l of m.layers) {
      if (l.className === 'InputLayer') {
        if (![...produced.keys()].some((k) => k.startsWith(`${l.name}\u0000`))) this.warnings.push(`InputLayer "${l.name}" of "${m.name}" is not a model input; ignored`);
        continue;
      }
      l.calls.forEach((_c, i) => pending.push({ layer: l, call: i }));
    }
    const resolve = (r: TensorRef): string | undefined => produced.get(refKey(r.layer, r.node, r.tensor));
    // Passes in file order, each emitting every call whose inputs are known when it is visited, as
    // many passes as needed. A blocked call is looked at again only once the tensor it waits for is
    // produced, so a file listing its layers backwards costs n log n, not n passes over n calls.
    const waiting = new Map<string, number[]>();
    const done = new Array<boolean>(pending.length).fill(false);
    let pass = new MinHeap(pending.map((_, i) => i));
    let nextPass: number[] = [];
    while (pass.size > 0) {
      while (pass.size > 0) {
        const i = pass.pop();
        const { layer, call } = pending[i];
        const inb = layer.calls[call];
        const ins = inb.refs.map(resolve);
        const blocked = inb.refs.find((_r, k) => ins[k] === undefined);
        if (blocked) {
          const key = refKey(blocked.layer, blocked.node, blocked.tensor);
          const w = waiting.get(key);
          if (w) w.push(i);
          else waiting.set(key, [i]);
          continue;
        }
        done[i] = true;
        const nodeIndex = call + (offsets.get(layer.name) ?? 0);
        const suffix = call > 0 ? `#${call}` : '';
        let outs: string[];
        if (layer.model) {
          outs = this.emitModel(layer.model, ins as string[], [...scope, layer.name], `${idPrefix}${layer.name}${suffix}/`, [...weightPrefix, layer.name]);
        } else {
          const decl: ((number | null)[] | undefined)[] = [];
          for (let t = 0; declared.has(refKey(layer.name, nodeIndex, t)); t++) decl.push(declared.get(refKey(layer.name, nodeIndex, t)));
          outs = this.emitLayer(layer, call, ins as string[], scope, idPrefix, weightPrefix, decl.length ? decl : undefined, inb.kwargs);
        }
        outs.forEach((v, t) => {
          const key = refKey(layer.name, nodeIndex, t);
          produced.set(key, v);
          // Later in this pass if after this call in the file, else in the next pass.
          for (const j of waiting.get(key) ?? []) if (j > i) pass.push(j); else nextPass.push(j);
          waiting.delete(key);
        });
      }
      pass = new MinHeap(nextPass);
      nextPass = [];
    }
    const stuck = done.indexOf(false);
    if (stuck >= 0) {
      const p = pending[stuck];
      const missing = p.layer.calls[p.call].refs.find((r) => resolve(r) === undefined)!;
      throw new ModelError(`model "${m.name}": layer "${p.layer.name}" takes tensor ${missing.layer}[${missing.node}][${missing.tensor}], which no layer produces`);
    }
    return m.outputs.map((r) => {
      const v = resolve(r);
      if (v === undefined) throw new ModelError(`model "${m.name}": output ${r.layer}[${r.node}][${r.tensor}] is not produced by any layer`);
      return v;
    });
  }

  private nodeOffsets(m: KModel, byName: Map<string, KLayer>): Map<string, number> {
    return nestedNodeOffsets(m, byName);
  }

  private uniqueId(id: string): string {
    let u = id;
    for (let i = 1; this.ids.has(u); i++) u = `${id}~${i}`;
    this.ids.add(u);
    return u;
  }

  private emitLayer(l: KLayer, call: number, inputs: string[], scope: string[], idPrefix: string, weightPrefix: string[], declared: ((number | null)[] | undefined)[] | undefined, kwargs?: Record<string, unknown>): string[] {
    const id = this.uniqueId(`${idPrefix}${l.name}${call > 0 ? `#${call}` : ''}`);
    const opaque = l.customReason !== undefined;
    const rule: LayerRule = opaque ? layerRuleFor('\u0000custom') : layerRuleFor(l.className);
    const inTypes = inputs.map((v) => this.types.get(v));
    // A layer after an opaque one: Keras 3's build_config gives the input it was built for.
    const built = l.buildInputShape;
    if (inputs.length === 1 && !inTypes[0]?.shape && Array.isArray(built) && !Array.isArray(built[0])) {
      const t: TensorType = { dtype: inTypes[0]?.dtype ?? 'float32', shape: (built as unknown[]).map((d, i) => (typeof d === 'number' ? d : i === 0 ? sym('batch') : unknownDim())) };
      inTypes[0] = t;
      this.types.set(inputs[0], t);
    }
    const node: Node = {
      id, name: l.name, opType: opaque ? l.fileClass : l.className, domain: 'keras', inputs, outputs: [],
      attrs: { config: { kind: 'json', value: l.config } },
      scope: scope.length ? [...scope] : undefined,
      source: l.source,
    };
    if (l.customReason) node.attrs.not_costed_reason = { kind: 'string', value: `${l.customReason}: its code is never run, so it is not costed` };
    if (kwargs && Object.keys(kwargs).length) node.attrs.call_kwargs = { kind: 'json', value: kwargs };
    const batch: Dim = inTypes[0]?.shape?.[0] ?? sym('batch');
    let declTypes: TensorType[] | undefined;
    if (declared) declTypes = declared.map((s) => ({ dtype: inTypes[0]?.dtype ?? 'float32', shape: s?.map((d, i) => (typeof d === 'number' ? d : i === 0 ? batch : unknownDim())) }));
    else if (l.className === 'Lambda' && !Array.isArray(l.config.output_shape) && inTypes.length === 1 && inTypes[0]?.shape) {
      declTypes = [inTypes[0]];
      this.warnings.push(`Lambda "${l.name}": output shape not declared; assumed equal to its input`);
    }
    if (declTypes) node.attrs.declared_outputs = { kind: 'json', value: declTypes };
    const cfg: KerasConfig = nodeConfig(node);
    let outTypes: TensorType[];
    const known = inTypes.every((t): t is TensorType => t !== undefined && t.shape !== undefined);
    try {
      if (!known) throw new RuleError('input shape unknown');
      outTypes = rule.shape(cfg, inTypes as TensorType[]);
    } catch (e) {
      outTypes = declTypes ?? [{ dtype: 'float32' }];
      if (!declTypes) this.warnings.push(`${node.opType} "${l.name}": output shape unknown (${(e as Error).message})`);
    }
    if (rule.weights && known) {
      try {
        const specs = rule.weights(cfg, inTypes as TensorType[]);
        node.weights = specs.map((s) => this.weight([...weightPrefix, l.name, s.name].join('/'), s.dims, l, s.name, weightDtype(l.config)));
      } catch (e) {
        this.warnings.push(`${l.className} "${l.name}": parameters unknown (${(e as Error).message})`);
      }
    } else if (opaque) {
      this.warnings.push(`${node.opType} "${l.name}": ${l.customReason}; its parameters are unknown and not counted`);
    }
    node.outputs = outTypes.map((_t, t) => `${id}${t > 0 ? `:${t}` : ''}`);
    outTypes.forEach((t, i) => this.types.set(node.outputs[i], t));
    this.nodes.push(node);
    return node.outputs;
  }

  private weight(name: string, dims: number[], l: KLayer, local: string, dtype: DType): string {
    if (!this.initializers.has(name)) {
      const found = this.opts.locate?.(name, dims, l.name, local);
      const source: TensorSource = found?.source ?? { kind: 'absent', reason: this.opts.absentReason };
      this.initializers.set(name, { name, dtype: found?.dtype ?? dtype, dims, source });
    }
    return name;
  }
}

/** Nodes the builder would emit: each call of a nested model emits all of its layers' calls. */
function expandedCalls(m: KModel, memo: Map<KModel, number>): number {
  const known = memo.get(m);
  if (known !== undefined) return known;
  let n = 0;
  for (const l of m.layers) {
    if (l.className === 'InputLayer') continue;
    const calls = m.sequential ? 1 : l.calls.length;
    n += calls * (l.model ? expandedCalls(l.model, memo) : 1);
  }
  n = Math.min(n, 2 ** 53);
  memo.set(m, n);
  return n;
}

/**
 * Keras 2 numbers a nested model's calls from 1 (node 0 is the model's own input node, not saved);
 * Keras 3 from 0. Detected from the indices actually referenced, so either form reads.
 */
export function nestedNodeOffsets(m: KModel, byName: Map<string, KLayer> = new Map(m.layers.map((l) => [l.name, l]))): Map<string, number> {
  const maxRef = new Map<string, number>();
  const note = (r: TensorRef) => maxRef.set(r.layer, Math.max(maxRef.get(r.layer) ?? -1, r.node));
  for (const l of m.layers) for (const c of l.calls) c.refs.forEach(note);
  m.outputs.forEach(note);
  const res = new Map<string, number>();
  for (const [name, max] of maxRef) {
    const l = byName.get(name);
    if (l?.model && max >= l.calls.length && max - 1 < l.calls.length) res.set(name, 1);
  }
  return res;
}
