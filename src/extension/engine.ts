/**
 * The analysis the worker runs: file (or the editor's unsaved text/bytes) -> Model -> Analysis (+ motifs).
 * Runs inside the worker thread only, never on the extension host's main thread.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { analyzeModel } from '../core/analysis/analyze';
import { isModelError } from '../core/errors';
import { symbolsOf } from '../core/ir/dim';
import type { Model } from '../core/ir/graph';
import { loadModel } from '../core/formats';
import { modelDetails } from './nodeDetails';
import { userFacingError } from './errorText';
import { findMotifs } from '../core/motifs';
import { toFloat32 } from '../core/tensor/bytes';
import { tensorStats } from '../core/tensor/stats';
import type { LazyTensor } from '../core/ir/tensor';
import type { WeightStats } from '../../webview/protocol';
import { ModelError } from '../core/errors';
import { applyKerasBinary } from '../core/apply/keras/binaryApply';
import { applyKerasText } from '../core/apply/keras/tfjsApply';
import { writeOnnx } from '../core/formats/onnx/writer';
import { diffAnalyses } from '../core/passes/delta';
import { passByName, suggestAll } from '../core/passes/registry';
import type { LayerError } from '../core/passes/types';
import type {
  AnalyzeRequest, AnalyzeResponse, ApplyRequest, ApplyResponse, PreviewRequest, PreviewResponse, SuggestRequest, SuggestResponse,
  WeightStatsRequest, WeightStatsResponse, WorkerError,
} from './workerProtocol';
import { printable } from '../core/formats/modelFiles';

/** Weight elements up to which find() measures approximate suggestions' errors (hint filtering). */
const MEASURE_BUDGET = 1e6;

export async function runSuggest(req: SuggestRequest): Promise<SuggestResponse> {
  const t0 = Date.now();
  try {
    const r = await withContentFile(req, async (file) => {
      const model = await loadModel(file);
      const dims = applicableDims(req.dims, model);
      return suggestAll(model, analyzeModel(model, { dims }), { dims, measureBudget: MEASURE_BUDGET });
    });
    return { id: req.id, ok: true, suggestions: r.suggestions, failures: r.failures, ms: Date.now() - t0 };
  } catch (e) {
    return { id: req.id, ok: false, error: toWorkerError(e), ms: Date.now() - t0 };
  }
}

export async function runPreview(req: PreviewRequest): Promise<PreviewResponse> {
  const t0 = Date.now();
  try {
    const r = await withContentFile(req, async (file) => {
      const model = await loadModel(file);
      model.file = req.file;
      const pass = passByName(req.suggestion.pass);
      if (!pass) throw new ModelError(`unknown pass ${req.suggestion.pass}`);
      const dims = applicableDims(req.dims, model);
      const before = analyzeModel(model, { dims });
      const errors: LayerError[] = [];
      const rewritten = await pass.rewrite(model, req.suggestion, req.knobs, { withWeights: false, onError: (e) => errors.push(e) });
      const after = analyzeModel(rewritten, { dims });
      before.file = after.file = req.file;
      return { before, after, delta: diffAnalyses(before, after), errors };
    });
    return { id: req.id, ok: true, ms: Date.now() - t0, ...r };
  } catch (e) {
    return { id: req.id, ok: false, error: toWorkerError(e), ms: Date.now() - t0 };
  }
}

export async function runApply(req: ApplyRequest, progress: (f: number, msg: string) => void): Promise<ApplyResponse> {
  const t0 = Date.now();
  try {
    if (req.text !== undefined) {
      // Keras JSON is edited as text: minimal edits of the affected layers (the user's formatting stays);
      // a tfjs model.json with weights also gets a new manifest and the new shard's bytes. Read in place,
      // not from a temporary copy, so the shards beside the file (or still unsaved ones) are found.
      const overlay = new Map((req.shards ?? []).map((s) => [s.path, s.bytes]));
      const k = await applyKerasText(req.text, req.file, req.suggestion, req.knobs, { shards: overlay, onProgress: progress });
      return { id: req.id, ok: true, edits: k.edits, shards: k.shards, errors: k.errors, ms: Date.now() - t0 };
    }
    const r = await withContentFile(req, async (file) => {
      const model = await loadModel(file);
      const pass = passByName(req.suggestion.pass);
      if (!pass) throw new ModelError(`unknown pass ${req.suggestion.pass}`);
      // .keras / .h5: the config edited like a Keras JSON, the weights rewritten, a new archive / HDF5 file.
      if (model.format !== 'onnx') return applyKerasBinary(file, req.suggestion, req.knobs, progress);
      const errors: LayerError[] = [];
      const rewritten = await pass.rewrite(model, req.suggestion, req.knobs, { withWeights: true, onError: (e) => errors.push(e), onProgress: progress });
      progress(1, 'writing the model');
      const dir = await mkdtemp(path.join(os.tmpdir(), 'modellens-out-'));
      try {
        const out = path.join(dir, path.basename(req.file));
        await writeOnnx(rewritten, out, { externalData: 'inline' });
        return { bytes: new Uint8Array(await readFile(out)), errors };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
    return { id: req.id, ok: true, bytes: r.bytes, errors: r.errors, ms: Date.now() - t0 };
  } catch (e) {
    return { id: req.id, ok: false, error: toWorkerError(e), ms: Date.now() - t0 };
  }
}

export async function runAnalyze(req: AnalyzeRequest): Promise<AnalyzeResponse> {
  const t0 = Date.now();
  try {
    if (req.text !== undefined) {
      const syntax = jsonSyntaxError(req.text);
      if (syntax) return { id: req.id, ok: false, error: syntax, ms: Date.now() - t0 };
    }
    // Details read weight prefixes from the file the reader opened (a temporary copy of unsaved bytes is
    // removed after the callback), so they are built inside it.
    const { model, details } = await withContentFile(req, async (file) => {
      const m = await loadModel(file);
      return { model: m, details: req.details === false ? undefined : await modelDetails(m, file) };
    });
    // The model was possibly read from a temporary copy: report the user's file.
    model.file = req.file;
    const analysis = analyzeModel(model, { dims: applicableDims(req.dims, model) });
    analysis.file = req.file;
    const motifs = req.motifs ? findMotifs(analysis) : undefined;
    return { id: req.id, ok: true, analysis, motifs, ...(details ? { details } : {}), ms: Date.now() - t0 };
  } catch (e) {
    const size = req.bytes?.byteLength ?? (req.text !== undefined ? Buffer.byteLength(req.text) : await stat(req.file).then((s) => s.size, () => undefined));
    return { id: req.id, ok: false, error: userFacingError(toWorkerError(e), size), ms: Date.now() - t0 };
  }
}

/**
 * Min/max/mean/std/sparsity of a layer's weights: ONNX initializers among its inputs, or the Keras
 * weights it owns. Only those tensors' bytes are read (the model file stays lazily mapped).
 */
export async function runWeightStats(req: WeightStatsRequest): Promise<WeightStatsResponse> {
  const t0 = Date.now();
  try {
    const stats = await withContentFile(req, async (file) => {
      const model = await loadModel(file);
      const g = model.graph;
      const node = g.nodes.find((n) => n.id === req.layerId);
      if (!node) throw new Error(`no layer ${req.layerId}`);
      const names = [...new Set([...(node.weights ?? []), ...node.inputs])];
      const tensors = names.map((n) => g.initializers.get(n)).filter((t): t is LazyTensor => !!t);
      const out: WeightStats[] = [];
      for (const t of tensors) {
        if (t.source.kind === 'absent') continue;
        if (!/^(b?float(16|32|64))$/.test(t.dtype)) continue; // shape/index tensors are not weights
        const { backend: _backend, nonFinite, ...st } = await tensorStats(t.name, [...t.dims], await toFloat32(t));
        // The panel shows numbers; a NaN would be dropped by the message validator, so say it instead.
        if (nonFinite > 0) throw new ModelError(`${t.name} holds ${nonFinite} NaN/Inf value${nonFinite === 1 ? '' : 's'} of ${st.count}`, 'invalid');
        out.push(st);
      }
      return out;
    });
    return { id: req.id, ok: true, stats, ms: Date.now() - t0 };
  } catch (e) {
    return { id: req.id, ok: false, error: toWorkerError(e), ms: Date.now() - t0 };
  }
}

/**
 * The setting's dims are defaults for every model ({batch: 1, batch_size: 1}): bind only the symbols
 * this model's inputs use, so that models naming their batch dim differently get no warning about it.
 */
function applicableDims(dims: Record<string, number>, model: Model): Record<string, number> {
  const used = new Set(model.graph.inputs.flatMap((i) => (i.shape ? symbolsOf(i.shape) : [])));
  return Object.fromEntries(Object.entries(dims).filter(([k]) => used.has(k)));
}

/** The first JSON syntax error with its offset (strict JSON: Keras files are written by json.dumps). */
export function jsonSyntaxError(text: string): WorkerError | undefined {
  const errors: ParseError[] = [];
  parse(text, errors, { allowTrailingComma: false, disallowComments: true, allowEmptyContent: false });
  const e = errors[0];
  if (!e) return undefined;
  return { message: `invalid JSON: ${describe(printParseErrorCode(e.error))}`, code: 'json', offset: e.offset, length: Math.max(1, e.length) };
}

function describe(code: string): string {
  // "CommaExpected" -> "comma expected"
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

export function toWorkerError(e: unknown): WorkerError {
  // Messages name things from the model file: one line, control characters escaped (printable).
  if (isModelError(e)) return { message: printable(e.message, 2000), code: e.code };
  const err = e as Error;
  return { message: printable(`internal error: ${err?.message ?? String(e)}`, 2000), code: 'bug' };
}

/**
 * Readers take a path (they range-read big files lazily). Unsaved content goes through a temporary
 * copy with the same base name; external data beside the original is then not found, which the
 * reader reports as a clear error.
 */
async function withContentFile<T>(req: { file: string; text?: string; bytes?: Uint8Array }, f: (file: string) => Promise<T>): Promise<T> {
  const content = req.text !== undefined ? Buffer.from(req.text, 'utf8') : req.bytes;
  if (!content) return f(req.file);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'modellens-'));
  try {
    const tmp = path.join(dir, path.basename(req.file));
    await writeFile(tmp, content);
    return await f(tmp);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
