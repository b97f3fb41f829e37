import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzeModel } from '../analysis/analyze';
import { ModelError } from '../errors';
import { loadModel } from '../formats/index';
import { applyKerasBinary } from './keras/binaryApply';
import { applyTextEdits } from '../formats/keras/textEdit';
import { applyKerasText } from './keras/tfjsApply';
import { combine, type OptimizeResult } from './api';
import { diffAnalyses } from '../passes/delta';
import { passByName, PASS_NAMES } from '../passes/registry';
import type { FindOptions, KnobValues } from '../passes/types';

/**
 * `modellens optimize` on a Keras file: the same core code the editor's Apply runs (engine.runApply) —
 * a Keras JSON / tfjs model.json gets minimal text edits (plus one new content-named weight shard beside
 * OUT when it has weights), a .keras / .h5 a rewritten archive / HDF5 file. OUT is re-read and analysed
 * for the delta, as for ONNX.
 */
export async function optimizeKeras(
  file: string,
  pass: string,
  knobs: KnobValues,
  layers: string[] | undefined,
  outFile: string,
  opts: FindOptions & { onProgress?: (f: number, msg: string) => void } = {},
): Promise<OptimizeResult> {
  const t0 = Date.now();
  const p = passByName(pass);
  if (!p) throw new ModelError(`unknown pass "${pass}" (passes: ${PASS_NAMES.join(', ')})`);
  const model = await loadModel(file);
  if (model.format !== 'keras') throw new ModelError(`${path.basename(file)} is not a Keras model`, 'unsupported');
  const before = analyzeModel(model, { dims: opts.dims });
  const s = combine(await p.find(model, before, opts), layers, pass);
  if (!s.appliable) throw new ModelError(`${pass}: ${s.needs ?? 'cannot be applied to this file'}`, 'unsupported');
  const ext = path.extname(file).toLowerCase();
  let errors;
  if (ext === '.keras' || ext === '.h5' || ext === '.hdf5') {
    const r = await applyKerasBinary(file, s, knobs, opts.onProgress);
    await writeFile(outFile, r.bytes);
    errors = r.errors;
  } else {
    const text = await readFile(file, 'utf8');
    const r = await applyKerasText(text, file, s, knobs, { onProgress: opts.onProgress });
    // The shard's name is our own (stem + content hash), never a path from the file.
    for (const sh of r.shards) await writeFile(path.join(path.dirname(path.resolve(outFile)), path.basename(sh.path)), sh.bytes);
    await writeFile(outFile, applyTextEdits(text, r.edits));
    errors = r.errors;
  }
  const after = analyzeModel(await loadModel(outFile), { dims: opts.dims });
  return { pass: p.name, layers: s.layers, knobs, delta: diffAnalyses(before, after), errors, outFile, seconds: (Date.now() - t0) / 1000 };
}
