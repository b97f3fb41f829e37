// A weight-changing pass on a Keras model whose weights are readable: the pass's IR rewrite (new weight
// values, the same math as for ONNX) and the text edits of the model's config that match it.
import { ModelError } from '../../errors';
import type { Model } from '../../ir/graph';
import { passByName } from '../../passes/registry';
import type { KnobValues, LayerError, Suggestion } from '../../passes/types';
import type { TextEdit } from '../../formats/keras/textEdit';
import { applyTextEdits, kerasTextEdits } from './jsonEdits';

export interface PassEdits {
  rewritten: Model;
  /** Edits of the config text (architecture only: a tfjs manifest is left as it is). */
  edits: TextEdit[];
  edited: string;
  /** Node id -> name of the layer the edits inserted before it (low-rank's first factor). */
  newLayers: Map<string, string>;
  errors: LayerError[];
}

export async function passEdits(configText: string, model: Model, suggestion: Suggestion, knobs: KnobValues, onProgress?: (f: number, msg: string) => void): Promise<PassEdits> {
  const pass = passByName(suggestion.pass);
  if (!pass) throw new ModelError(`unknown pass ${suggestion.pass}`);
  const errors: LayerError[] = [];
  const rewritten = await pass.rewrite(model, suggestion, knobs, { withWeights: true, onError: (e) => errors.push(e), onProgress });
  const newLayers = new Map<string, string>();
  const edits = kerasTextEdits(configText, model, suggestion, knobs, {
    weightsManifest: 'architecture-only',
    ranks: suggestion.pass === 'low-rank' ? ranksOf(rewritten, suggestion.layers) : undefined,
    onNewLayer: (from, name) => newLayers.set(from, name),
  });
  return { rewritten, edits, edited: applyTextEdits(configText, edits), newLayers, errors };
}

/** low-rank: the rank each site got (the second layer's kernel is r×n), so the text writes the same r. */
function ranksOf(rewritten: Model, layers: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of layers) {
    const n = rewritten.graph.nodes.find((x) => x.id === id);
    const k = n?.weights?.[0] ? rewritten.graph.initializers.get(n.weights[0]) : undefined;
    if (k && k.dims.length === 2) out[id] = k.dims[0];
  }
  return out;
}
