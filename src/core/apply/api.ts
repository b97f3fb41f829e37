// File-to-file entry points (the CLI's `suggest` and `optimize`): load a model with formats/, run the
// passes on its IR, write the result with an ONNX writer. This sits above passes/ and formats/ so that
// neither imports the other (see src/core/README.md).
import { analyzeModel } from '../analysis/analyze';
import { ModelError } from '../errors';
import { loadModel } from '../formats/index';
import { writeOnnx } from '../formats/onnx/writer';
import type { Model } from '../ir/graph';
import { combine } from '../passes/combine';
import { lowRankMoments } from './activationAware';
import { diffAnalyses } from '../passes/delta';
import { passByName, PASS_NAMES, suggestAll } from '../passes/registry';
import type { Delta, FindOptions, KnobValues, LayerError, PassName, Suggestion } from '../passes/types';

/** For `modellens suggest FILE --json`: plain JSON. Errors are measured for suggestions up to 1M weights unless told otherwise. */
export async function suggest(file: string, opts: FindOptions = {}): Promise<Suggestion[]> {
  const model = await loadModel(file);
  const { suggestions } = await suggestAll(model, analyzeModel(model, { dims: opts.dims }), { measureBudget: 1e6, ...opts });
  return suggestions;
}

export interface OptimizeResult {
  pass: PassName;
  layers: string[];
  knobs: KnobValues;
  /** analyse(written file) - analyse(input file). */
  delta: Delta;
  errors: LayerError[];
  outFile: string;
  seconds: number;
}

/**
 * For `modellens optimize FILE --pass NAME [--ratio|--rank|--bits] [--layers a,b] --out OUT`: applies one
 * pass to the chosen layers (all of the pass's candidates when `layers` is empty), writes OUT, and
 * reports the measured delta and errors. ONNX only for now (Keras writing goes through JSON edits).
 */
export async function optimize(
  file: string,
  pass: string,
  knobs: KnobValues,
  layers: string[] | undefined,
  outFile: string,
  opts: FindOptions & { onProgress?: (f: number, msg: string) => void; activationAware?: { inputsDir?: string; samples?: number } } = {},
): Promise<OptimizeResult> {
  const t0 = Date.now();
  const p = passByName(pass);
  if (!p) throw new ModelError(`unknown pass "${pass}" (passes: ${PASS_NAMES.join(', ')})`);
  const model = await loadModel(file);
  if (model.format !== 'onnx') throw new ModelError('optimize writes ONNX only; Keras models are edited in the editor', 'unsupported');
  const before = analyzeModel(model, { dims: opts.dims });
  const found = await p.find(model, before, opts);
  const s = combine(found, layers, pass);
  const errors: LayerError[] = [];
  // Activation-aware low-rank: the layers' input second moments from calibration runs (ONNX Runtime).
  const inputMoments = opts.activationAware && p.name === 'low-rank' ? await lowRankMoments(model, s.layers, { dims: opts.dims, ...opts.activationAware }) : undefined;
  const rewritten = await p.rewrite(model, s, knobs, { withWeights: true, onError: (e) => errors.push(e), onProgress: opts.onProgress, inputMoments });
  await writeOnnx(rewritten, outFile);
  const after = analyzeModel(await loadModel(outFile), { dims: opts.dims });
  return { pass: p.name, layers: s.layers, knobs, delta: diffAnalyses(before, after), errors, outFile, seconds: (Date.now() - t0) / 1000 };
}

export { combine };
export type { Model };
