// model.weights.h5 of a Keras 3 .keras archive. Keras' saving_lib stores a layer's own variables at
// `<path>/vars/<i>` (its trainable then non-trainable variables, in creation order), where a model's
// layers are `<model path>/layers/<snake_case class name>[_<n>]` — numbered per class in the order of
// `model.layers` (a Sequential's leading InputLayer is not among them), never by the layer's name.
// So removing a BatchNormalization renumbers the ones after it: the tree is rewritten from the config.
import type { DType } from '../../ir/dtype';
import type { TensorSource } from '../../ir/tensor';
import type { WeightLocator } from './build';
import { h5Get } from './h5';
import { copyDataset, copyGroup, ensureGroup, isDataset, isGroup, writeFloat32, type H5File, type loadH5wasm } from './h5Io';
import type { KModel } from './topology';
import type { WeightPlan } from './weightRewrite';

type H5 = Awaited<ReturnType<typeof loadH5wasm>>;

/** Keras' naming.to_snake_case: "BatchNormalization" → "batch_normalization", "Conv2D" → "conv2d". */
export function toSnakeCase(name: string): string {
  return name.replace(/\W+/g, '').replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The group path of every layer of the config (key: [...nested model names, layer name].join('/')), parents first. */
export function keras3Layout(m: KModel): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (mm: KModel, base: string, scope: string[]) => {
    const used = new Map<string, number>();
    const layers = mm.sequential && mm.layers[0]?.className === 'InputLayer' ? mm.layers.slice(1) : mm.layers;
    for (const l of layers) {
      const snake = toSnakeCase(l.fileClass);
      const n = used.has(snake) ? used.get(snake)! + 1 : 0;
      used.set(snake, n);
      const p = `${base}layers/${n ? `${snake}_${n}` : snake}`;
      out.set([...scope, l.name].join('/'), p);
      if (l.model) walk(l.model, `${p}/`, [...scope, l.name]);
    }
  };
  walk(m, '', []);
  return out;
}

/** The k-th weight a layer's rule lists is `vars/k` of its group; `matched` records weight → dataset path. */
export function keras3Locator(paths: Map<string, string>, read: (dataset: string) => { source: TensorSource; dtype: DType; dims: number[] } | undefined, matched: Map<string, string>): WeightLocator {
  const next = new Map<string, number>();
  return (name, dims, _layer, local) => {
    const key = name.slice(0, name.length - local.length - 1);
    const i = next.get(key) ?? 0;
    next.set(key, i + 1);
    const p = paths.get(key);
    if (!p) return { source: { kind: 'absent', reason: `layer ${key} has no group in model.weights.h5` } };
    const ds = `${p}/vars/${i}`;
    const r = read(ds);
    if (!r) return { source: { kind: 'absent', reason: `${ds} is not in model.weights.h5` } };
    if (r.dims.length !== dims.length || r.dims.some((d, k) => d !== dims[k])) return { source: { kind: 'absent', reason: `${ds} has shape [${r.dims.join(', ')}], the config gives [${dims.join(', ')}]` } };
    matched.set(name, ds);
    return { source: r.source, dtype: r.dtype };
  };
}

/**
 * The new weights file: the root's attributes and groups copied except `optimizer` (its slots belong to
 * the old variables); every layer of the edited config at its new path — rewritten layers from the
 * plan, the others copied from their old path (whole group: vars and any sub-objects' state).
 */
export function writeKeras3Weights(lib: H5, src: H5File, dst: H5File, oldPaths: Map<string, string>, edited: KModel, plan: WeightPlan, matched: Map<string, string>): void {
  copyGroup(lib, src, dst, new Set(['layers', 'optimizer']));
  for (const [key, p] of keras3Layout(edited)) {
    const g = ensureGroup(lib, dst, p);
    const planned = plan.byKey.get(key);
    if (planned) {
      const vars = g.create_group('vars');
      planned.weights.forEach((w, i) => {
        const old = w.unchanged ? h5Get(lib, src, matched.get(w.irName) ?? '') : undefined;
        if (isDataset(lib, old)) copyDataset(old, vars, String(i));
        else writeFloat32(vars, String(i), w.dims, w.values!);
      });
      continue;
    }
    const old = oldPaths.has(key) ? h5Get(lib, src, oldPaths.get(key)!) : undefined;
    // A nested model's own layers are written under it one by one (their paths may have changed).
    if (isGroup(lib, old)) copyGroup(lib, old, g, new Set(['layers']));
    else g.create_group('vars');
  }
}
