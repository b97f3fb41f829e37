import { ModelError } from '../errors';
import { SymDim, type Dim } from '../ir/dim';
import type { Graph } from '../ir/graph';
import { elementCount } from '../ir/tensor';
import { mulberry32, seedFor, toHalfBits } from './prng';
import type { InputSpec } from './types';

/** Typed data for one input, in the element type ORT and tfjs take for its dtype. */
export type InputData = Float32Array | Float64Array | Int32Array | BigInt64Array | BigUint64Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array;

export interface RandomInput extends InputSpec {
  data: InputData;
  /** Values are drawn from [lo, hi) (integers: hi exclusive). */
  range: [number, number];
}

/**
 * Concrete input shapes: numbers stay, symbols take their value from `dims`. A dim the file leaves
 * unnamed can be bound as `INPUT[axis]`. Every unbound dim is listed in one error.
 */
export function resolveInputShapes(inputs: { name: string; dtype: string; shape?: Dim[] }[], dims: Record<string, number>): InputSpec[] {
  const unbound: string[] = [];
  const specs = inputs.map((vi) => {
    if (!vi.shape) {
      unbound.push(`${vi.name} (rank unknown)`);
      return { name: vi.name, dtype: vi.dtype, shape: [] };
    }
    const shape = vi.shape.map((d, axis) => {
      const byAxis = dims[`${vi.name}[${axis}]`];
      if (byAxis !== undefined) return byAxis;
      if (typeof d === 'number') return d;
      const v = evalDim(d, dims);
      if (v === undefined) {
        for (const sym of d.symbols().filter((x) => dims[x] === undefined)) unbound.push(/^unk__\d+$/.test(sym) ? `${vi.name}[${axis}] (unnamed)` : sym);
        return 0;
      }
      return v;
    });
    return { name: vi.name, dtype: vi.dtype, shape };
  });
  if (unbound.length) {
    const names = [...new Set(unbound)];
    throw new ModelError(`unbound input dims: ${names.join(', ')} (give each a value, e.g. --dim ${firstKey(names[0])}=1)`, 'unsupported');
  }
  return specs;
}

function firstKey(s: string): string {
  return s.replace(/ \(.*\)$/, '');
}

/** Value of a polynomial dim when all its atoms are bound plain names. */
function evalDim(d: SymDim, dims: Record<string, number>): number | undefined {
  let sum = 0;
  for (const t of d.terms) {
    let p = t.coeff;
    for (const a of t.atoms) {
      const v = dims[a];
      if (v === undefined) return undefined;
      p *= v;
    }
    sum += p;
  }
  return sum;
}

/**
 * Upper bound for an integer input used as Gather/embedding indices: the size of the gathered axis
 * of the initializer it indexes. Random indices beyond it would make the model fail, not measure it.
 */
export function indexBounds(graph: Graph): Map<string, number> {
  const bounds = new Map<string, number>();
  const inputNames = new Set(graph.inputs.map((i) => i.name));
  const producer = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  // A table stored compressed (passes: int8 behind DequantizeLinear, a clustered codebook lookup
  // Gather(codebook, Cast(indices))) has the shape of the tensor it is computed from.
  const tableDims = (name: string, depth = 0): { dims: readonly number[] } | undefined => {
    const t = graph.initializers.get(name);
    if (t) return t;
    const p = producer.get(name);
    if (!p || depth > 4) return undefined;
    if (p.opType === 'DequantizeLinear' || p.opType === 'Cast' || p.opType === 'Identity') return tableDims(p.inputs[0], depth + 1);
    if (p.opType === 'Gather' && graph.initializers.get(p.inputs[0])?.dims.length === 1) return tableDims(p.inputs[1], depth + 1);
    return undefined;
  };
  for (const n of graph.nodes) {
    if (n.opType !== 'Gather' && n.opType !== 'GatherElements') continue;
    const idx = n.inputs[1];
    const data = tableDims(n.inputs[0]);
    if (!idx || !inputNames.has(idx) || !data) continue;
    const axisAttr = n.attrs.axis;
    let axis = axisAttr && axisAttr.kind === 'int' ? axisAttr.value : 0;
    if (axis < 0) axis += data.dims.length;
    const size = data.dims[axis];
    if (size !== undefined) bounds.set(idx, Math.min(bounds.get(idx) ?? Infinity, size));
  }
  return bounds;
}

/**
 * Random inputs: floats uniform in [-1, 1); integers in [0, bound) for index inputs (see indexBounds),
 * else in [0, 2) (masks, segment ids and small ids stay valid); bools 0/1.
 */
export function randomInputs(specs: InputSpec[], seed: number, bounds: Map<string, number> = new Map()): RandomInput[] {
  return specs.map((s) => {
    const rnd = mulberry32(seedFor(seed, s.name));
    const n = elementCount({ dims: s.shape });
    const hiInt = bounds.get(s.name) ?? 2;
    const int = () => Math.floor(rnd() * hiInt);
    const flt = () => rnd() * 2 - 1;
    let data: InputData;
    let range: [number, number] = [0, hiInt];
    switch (s.dtype) {
      case 'float32': data = Float32Array.from({ length: n }, flt); range = [-1, 1]; break;
      case 'float64': data = Float64Array.from({ length: n }, flt); range = [-1, 1]; break;
      case 'float16': data = Uint16Array.from({ length: n }, () => toHalfBits(flt())); range = [-1, 1]; break;
      case 'int64': data = BigInt64Array.from({ length: n }, () => BigInt(int())); break;
      case 'uint64': data = BigUint64Array.from({ length: n }, () => BigInt(int())); break;
      case 'int32': data = Int32Array.from({ length: n }, int); break;
      case 'uint32': data = Uint32Array.from({ length: n }, int); break;
      case 'int16': data = Int16Array.from({ length: n }, int); break;
      case 'uint16': data = Uint16Array.from({ length: n }, int); break;
      case 'int8': data = Int8Array.from({ length: n }, int); break;
      case 'uint8': data = Uint8Array.from({ length: n }, int); break;
      case 'bool': data = Uint8Array.from({ length: n }, () => (rnd() < 0.5 ? 0 : 1)); range = [0, 2]; break;
      default:
        throw new ModelError(`input "${s.name}" has type ${s.dtype}, for which ModelLens cannot make random data`, 'unsupported');
    }
    return { ...s, data, range };
  });
}
