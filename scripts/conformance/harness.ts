/**
 * ONNX backend conformance models (Debian `libonnx-testdata`) against ModelLens's shape inference and
 * ONNX's own `infer_shapes(strict_mode=False, data_prop=True)`, both on the same files with the declared
 * types of the main graph's outputs and value_info stripped (in memory here, in python there), compared
 * with the reference outputs `test_data_set_0/output_*.pb`. Used by the unit test
 * (test/unit/analysis/conformance.test.ts) and by `npm run conformance`, which prints the counts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as pb from 'protobufjs/minimal';
import { analyzeModel } from '../../src/core/analysis/analyze';
import type { Container, Model, TensorType, ValueInfo } from '../../src/core/ir/graph';
import { isFloatType, type DType } from '../../src/core/ir/dtype';
import { readOnnxSync } from '../../src/core/formats/onnx/reader';
import { dtypeFromOnnx } from '../../src/core/ir/onnxDtypes';
import { onnx } from '../../src/core/formats/onnx/schema/onnx';
import { decode } from '../../src/core/rules/tensorValues';
import { inferGraph, type EngineEnv } from '../../src/core/rules/engine';
import { ConstReader } from '../../src/core/rules/tensorValues';
import type { ConstValue } from '../../src/core/rules/types';
import { MAX_VALUE_ELEMS } from '../../src/core/rules/onnx/util';

export const TESTDATA = process.env.MODELLENS_ONNX_TESTDATA ?? '/usr/share/libonnx-testdata/data';
export const SUITES = ['node', 'pytorch-converted', 'pytorch-operator', 'simple'];
const PACKAGE_HINT = 'the ONNX conformance models are missing: apt-get install -y libonnx-testdata (scripts/test-deps.sh installs it)';

/** A type as compared: the reference's, ModelLens's or ONNX's. `null` dims are unknown (or differ across a sequence). */
export interface CmpType {
  container?: Container;
  dtype: DType;
  shape: (number | null)[] | null;
}

/** Reference output: its type, and its values when it is a plain tensor of numbers. */
export interface RefOutput {
  type: CmpType;
  values?: number[];
  /** An optional output without a value: only its container can be compared. */
  empty?: boolean;
}

export type Verdict = 'exact' | 'unknown' | 'wrong' | 'exception';

export interface OutputResult {
  model: string;
  output: string;
  verdict: Verdict;
  /** For 'unknown': whether the dtype and the rank are still given. */
  dtypeKnown: boolean;
  rankKnown: boolean;
  detail?: string;
}

export interface Counts {
  outputs: number;
  exact: number;
  unknown: number;
  wrong: number;
  exceptions: number;
  unknownWithDtype: number;
  unknownWithRank: number;
}

export function listModels(): string[] {
  if (!existsSync(TESTDATA)) throw new Error(`${TESTDATA} does not exist: ${PACKAGE_HINT}`);
  const out: string[] = [];
  for (const s of SUITES) {
    const dir = path.join(TESTDATA, s);
    if (!existsSync(dir)) throw new Error(`${dir} does not exist: ${PACKAGE_HINT}`);
    for (const m of readdirSync(dir).sort()) {
      const f = path.join(dir, m, 'model.onnx');
      if (existsSync(f) && existsSync(path.join(dir, m, 'test_data_set_0'))) out.push(f);
    }
  }
  if (out.length === 0) throw new Error(`no conformance models under ${TESTDATA}: ${PACKAGE_HINT}`);
  return out;
}

export function shortName(file: string): string {
  return path.relative(TESTDATA, path.dirname(file));
}

// ---------------------------------------------------------------- reference outputs

function tensorValues(t: onnx.TensorProto): number[] | undefined {
  const dtype = dtypeFromOnnx(t.data_type);
  const n = (t.dims ?? []).reduce((a: number, d) => a * Number(d), 1);
  if (t.raw_data && t.raw_data.length > 0) return decode(dtype, t.raw_data, n);
  const num = (v: unknown) => (typeof v === 'number' ? v : Number(String(v)));
  if (t.float_data?.length) return t.float_data.map(num);
  if (t.double_data?.length) return t.double_data.map(num);
  if (t.int64_data?.length) return t.int64_data.map(num);
  if (t.uint64_data?.length) return t.uint64_data.map(num);
  if (t.int32_data?.length) {
    if (dtype === 'float16' || dtype === 'bfloat16') {
      const b = new Uint8Array(t.int32_data.length * 2);
      t.int32_data.forEach((v, i) => { b[2 * i] = v & 0xff; b[2 * i + 1] = (v >> 8) & 0xff; });
      return decode(dtype, b, n);
    }
    return t.int32_data.map(num);
  }
  return n === 0 ? [] : undefined;
}

function tensorRef(t: onnx.TensorProto, container?: Container): RefOutput {
  const dtype = dtypeFromOnnx(t.data_type);
  const type: CmpType = { dtype, shape: (t.dims ?? []).map((d) => Number(d)) };
  if (container) type.container = container;
  return { type, values: container || dtype === 'string' ? undefined : tensorValues(t) };
}

/** SequenceProto / OptionalProto (onnx-data.proto) are not in the model schema: their few fields are read here. */
function messages(bytes: Uint8Array): { no: number; bytes?: Uint8Array; int?: number }[] {
  const r = pb.Reader.create(bytes);
  const out: { no: number; bytes?: Uint8Array; int?: number }[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    const no = tag >>> 3;
    const wt = tag & 7;
    if (wt === 2) out.push({ no, bytes: r.bytes() });
    else if (wt === 0) out.push({ no, int: r.int32() });
    else r.skipType(wt);
  }
  return out;
}

function sequenceRef(bytes: Uint8Array, container: 'sequence' | 'optional-sequence'): RefOutput {
  const elems = messages(bytes).filter((f) => f.no === 3).map((f) => onnx.TensorProto.decode(f.bytes!));
  if (elems.length === 0) return { type: { container, dtype: 'unknown', shape: null }, empty: true };
  const shapes = elems.map((e) => (e.dims ?? []).map(Number));
  const rank = shapes[0].length;
  const same = shapes.every((s) => s.length === rank);
  const shape = same ? shapes[0].map((d, i) => (shapes.every((s) => s[i] === d) ? d : null)) : null;
  return { type: { container, dtype: dtypeFromOnnx(elems[0].data_type), shape } };
}

function optionalRef(bytes: Uint8Array, inner: Container | undefined): RefOutput {
  const fields = messages(bytes);
  const t = fields.find((f) => f.no === 3);
  if (t) return tensorRef(onnx.TensorProto.decode(t.bytes!), 'optional');
  const s = fields.find((f) => f.no === 5);
  if (s) return sequenceRef(s.bytes!, 'optional-sequence');
  return { type: { container: inner === 'optional-sequence' ? 'optional-sequence' : 'optional', dtype: 'unknown', shape: null }, empty: true };
}

export function readReference(file: string, declared: TensorType): RefOutput {
  const bytes = readFileSync(file);
  const container = declared.container;
  if (container === 'sequence') return sequenceRef(bytes, 'sequence');
  if (container === 'optional' || container === 'optional-sequence') return optionalRef(bytes, container);
  const t = onnx.TensorProto.decode(bytes);
  // ONNX 1.12's test data stores bfloat16 outputs as UINT16 tensors of the same bits (the model declares
  // bfloat16): read them as what they are.
  if (declared.dtype === 'bfloat16' && t.data_type === onnx.TensorProto.DataType.UINT16) t.data_type = onnx.TensorProto.DataType.BFLOAT16;
  return tensorRef(t);
}

// ---------------------------------------------------------------- comparison

export function compare(got: CmpType | undefined, ref: RefOutput): { verdict: 'exact' | 'unknown' | 'wrong'; dtypeKnown: boolean; rankKnown: boolean; detail?: string } {
  const dtypeKnown = !!got && got.dtype !== 'unknown';
  const rankKnown = !!got?.shape;
  const wrong = (detail: string) => ({ verdict: 'wrong' as const, dtypeKnown, rankKnown, detail });
  if (!got) return { verdict: 'unknown', dtypeKnown, rankKnown };
  const r = ref.type;
  if ((got.container ?? 'tensor') !== (r.container ?? 'tensor') && (dtypeKnown || rankKnown || got.container)) return wrong(`${got.container ?? 'tensor'} instead of ${r.container ?? 'tensor'}`);
  if (ref.empty) return { verdict: got.container === r.container ? 'exact' : 'unknown', dtypeKnown, rankKnown };
  if (dtypeKnown && got.dtype !== r.dtype) return wrong(`dtype ${got.dtype} instead of ${r.dtype}`);
  const text = (s: (number | null)[] | null) => (s ? `[${s.map((d) => (d === null ? '?' : d)).join(', ')}]` : '?');
  if (got.shape && r.shape) {
    if (got.shape.length !== r.shape.length) return wrong(`shape ${text(got.shape)} instead of ${text(r.shape)}`);
    if (got.shape.some((d, i) => d !== null && r.shape![i] !== null && d !== r.shape![i])) return wrong(`shape ${text(got.shape)} instead of ${text(r.shape)}`);
    // A dim that differs across a sequence's elements must stay unknown.
    if (got.shape.some((d, i) => d !== null && r.shape![i] === null)) return wrong(`shape ${text(got.shape)} but the elements differ: ${text(r.shape)}`);
  }
  const exact = dtypeKnown && !!got.shape && !!r.shape && got.shape.every((d, i) => d === r.shape![i]);
  return { verdict: exact ? 'exact' : 'unknown', dtypeKnown, rankKnown };
}

function fromIr(t: { dtype: string; shape: (number | string)[] | null; container?: Container } | undefined): CmpType | undefined {
  if (!t) return undefined;
  const out: CmpType = { dtype: t.dtype as DType, shape: t.shape ? t.shape.map((d) => (typeof d === 'number' ? d : null)) : null };
  if (t.container) out.container = t.container;
  return out;
}

interface OnnxJsonType {
  kind: 'tensor' | 'sequence' | 'optional' | 'map';
  dtype?: number;
  shape?: (number | null)[] | null;
  elem?: OnnxJsonType | null;
}

function fromOnnx(t: OnnxJsonType | null | undefined): CmpType | undefined {
  if (!t) return undefined;
  if (t.kind === 'tensor') return { dtype: dtypeFromOnnx(t.dtype), shape: t.shape ?? null };
  if (t.kind === 'sequence' || t.kind === 'optional') {
    const inner = fromOnnx(t.elem);
    const container: Container = t.kind === 'sequence' ? 'sequence' : inner?.container === 'sequence' ? 'optional-sequence' : 'optional';
    return { container, dtype: inner?.dtype ?? 'unknown', shape: inner?.shape ?? null };
  }
  return undefined;
}

// ---------------------------------------------------------------- runs

export interface ModelCase {
  file: string;
  model?: Model;
  /** What the file declares for each output (kept as a check, never given to inference). */
  declared: ValueInfo[];
  refs: (RefOutput | undefined)[];
  readError?: string;
}

/** Reads a model and strips the declared types of its outputs and value_info (in memory). */
export function loadCase(file: string): ModelCase {
  let model: Model;
  try {
    model = readOnnxSync(file);
  } catch (e) {
    return { file, declared: [], refs: [], readError: (e as Error).message };
  }
  const g = model.graph;
  const declared = g.outputs.map((o) => ({ ...o }));
  g.outputs = g.outputs.map((o) => ({ name: o.name, dtype: 'unknown' }));
  g.valueInfo = new Map();
  const dir = path.join(path.dirname(file), 'test_data_set_0');
  const refs = declared.map((d, i) => {
    const f = path.join(dir, `output_${i}.pb`);
    return existsSync(f) ? readReference(f, d) : undefined;
  });
  return { file, model, declared, refs };
}

export interface SuiteReport {
  models: number;
  modellens: Counts;
  onnx: Counts;
  results: OutputResult[];
  onnxResults: OutputResult[];
  /** Nodes whose rule threw a JavaScript error (a bug, not a refusal). */
  ruleFailures: { model: string; node: string; reason: string }[];
  /** Outputs where the file's own declaration disagrees with the reference. */
  declaredWrong: { model: string; output: string; detail: string }[];
}

function emptyCounts(): Counts {
  return { outputs: 0, exact: 0, unknown: 0, wrong: 0, exceptions: 0, unknownWithDtype: 0, unknownWithRank: 0 };
}

function tally(c: Counts, r: OutputResult): void {
  c.outputs += 1;
  if (r.verdict === 'exact') c.exact += 1;
  else if (r.verdict === 'wrong') c.wrong += 1;
  else if (r.verdict === 'exception') c.exceptions += 1;
  else {
    c.unknown += 1;
    if (r.dtypeKnown) c.unknownWithDtype += 1;
    if (r.rankKnown) c.unknownWithRank += 1;
  }
}

/** A python with the onnx package (Debian's first: a pyenv python3 on PATH does not see apt's python3-onnx). */
export function pythonWithOnnx(): string {
  const py = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0);
  if (!py) throw new Error('python3 with the onnx package is required: apt-get install -y python3-onnx');
  return py;
}

export function runOnnxInference(files: string[]): Map<string, { outputs?: (OnnxJsonType | null)[]; error?: string }> {
  const script = path.join(__dirname, 'onnx-infer-shapes.py');
  const r = spawnSync(pythonWithOnnx(), [script], { input: files.join('\n'), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`onnx-infer-shapes.py failed: ${r.stderr.split('\n').slice(-5).join(' ')}`);
  const out = new Map<string, { outputs?: (OnnxJsonType | null)[]; error?: string }>();
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    const j = JSON.parse(line) as { file: string; outputs?: (OnnxJsonType | null)[]; error?: string };
    out.set(j.file, j);
  }
  return out;
}

export function runSuite(opts: { onnx?: boolean } = {}): SuiteReport {
  const files = listModels();
  const onnxRuns = opts.onnx === false ? undefined : runOnnxInference(files);
  const rep: SuiteReport = { models: files.length, modellens: emptyCounts(), onnx: emptyCounts(), results: [], onnxResults: [], ruleFailures: [], declaredWrong: [] };
  for (const file of files) {
    const c = loadCase(file);
    const name = shortName(file);
    if (!c.model) {
      const r: OutputResult = { model: name, output: '*', verdict: 'exception', dtypeKnown: false, rankKnown: false, detail: c.readError };
      rep.results.push(r);
      tally(rep.modellens, r);
      continue;
    }
    let outs: (CmpType | undefined)[] | undefined;
    let error: string | undefined;
    try {
      const a = analyzeModel(c.model);
      outs = a.outputs.map(fromIr);
      for (const n of a.notCosted) if (n.reason.startsWith('rule failed')) rep.ruleFailures.push({ model: name, node: `${n.type} ${n.name}`, reason: n.reason });
    } catch (e) {
      error = (e as Error).message;
    }
    const onnxRun = onnxRuns?.get(file);
    c.declared.forEach((d, i) => {
      const ref = c.refs[i];
      if (!ref) return;
      const output = d.name;
      const decl = compare(fromIr({ dtype: d.dtype, shape: d.shape ? d.shape.map((x) => (typeof x === 'number' ? x : String(x))) : null, container: d.container }), ref);
      if (decl.verdict === 'wrong') rep.declaredWrong.push({ model: name, output, detail: decl.detail! });
      const r: OutputResult = error
        ? { model: name, output, verdict: 'exception', dtypeKnown: false, rankKnown: false, detail: error }
        : { model: name, output, ...compare(outs![i], ref) };
      rep.results.push(r);
      tally(rep.modellens, r);
      if (onnxRuns) {
        const o: OutputResult = onnxRun?.error || !onnxRun
          ? { model: name, output, verdict: 'exception', dtypeKnown: false, rankKnown: false, detail: onnxRun?.error ?? 'no result' }
          : { model: name, output, ...compare(fromOnnx(onnxRun.outputs?.[i]), ref) };
        rep.onnxResults.push(o);
        tally(rep.onnx, o);
      }
    });
  }
  return rep;
}

/**
 * Values ModelLens folds for the main graph's outputs (the engine's constant propagation), per output;
 * with `inputs`, the graph inputs are given those values (the test's input_*.pb), as shape subgraphs
 * get theirs from Shape and constants.
 */
export function foldedOutputs(model: Model, inputs?: (ConstValue | undefined)[]): (ConstValue | undefined)[] {
  const consts = new ConstReader();
  const env: EngineEnv = { opsets: model.opsets, consts, warnings: new Set(), declare: (t) => t };
  try {
    return inferGraph(model.graph, env, model.graph.inputs, inputs).outputValues;
  } finally {
    consts.close();
  }
}

/** The test's input values (input_*.pb) for plain numeric tensor inputs of at most MAX_VALUE_ELEMS elements. */
export function inputValues(c: ModelCase): (ConstValue | undefined)[] {
  const dir = path.join(path.dirname(c.file), 'test_data_set_0');
  return c.model!.graph.inputs.map((vi, i) => {
    const f = path.join(dir, `input_${i}.pb`);
    if (vi.container || !existsSync(f)) return undefined;
    const r = readReference(f, vi);
    if (!r.values || !r.type.shape || r.values.length > MAX_VALUE_ELEMS) return undefined;
    return { dtype: r.type.dtype, dims: r.type.shape as number[], values: r.values };
  });
}

/** Outputs ModelLens leaves without the dtype / rank where ONNX gives it (and is not wrong). */
export function lostToOnnx(rep: SuiteReport, what: 'rankKnown' | 'dtypeKnown'): OutputResult[] {
  return rep.results.filter((r, i) => {
    const o = rep.onnxResults[i];
    return r.verdict !== 'exact' && !r[what] && o && o.verdict !== 'wrong' && o.verdict !== 'exception' && o[what];
  });
}

export interface FoldCheck {
  model: string;
  output: string;
  ok: boolean;
  detail?: string;
}

/**
 * ONNX 1.12's test data casts float32 to bfloat16 by truncation; onnxruntime and the current Cast spec
 * round to nearest even (onnx/onnx#3876, #5004), which ModelLens follows. The two differ by at most one
 * bfloat16 step towards zero: accepted for bfloat16 outputs only.
 */
function bf16Truncated(a: number, b: number, dtype: DType): boolean {
  if (dtype !== 'bfloat16' || Math.sign(a) !== Math.sign(b) || Math.abs(a) < Math.abs(b)) return false;
  const step = 2 ** (Math.floor(Math.log2(Math.abs(b))) - 7);
  return Math.abs(a) - Math.abs(b) <= step;
}

/** Whether a folded value equals the reference: same dims, equal elements (float32 rounding tolerated for floats). */
function sameValues(v: ConstValue, ref: RefOutput): string | undefined {
  const want = ref.type.shape;
  if (!want || v.dims.length !== want.length || v.dims.some((d, i) => d !== want[i])) return `dims [${v.dims.join(', ')}] instead of [${want?.join(', ')}]`;
  if (!ref.values) return 'the reference values cannot be read';
  const float = isFloatType(ref.type.dtype);
  for (let i = 0; i < ref.values.length; i++) {
    const a = v.values[i];
    const b = ref.values[i];
    if (typeof a !== 'number') return `element ${i} is symbolic (${String(a)})`;
    const same = a === b || (Number.isNaN(b) ? Number.isNaN(a) : float && (Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)) || bf16Truncated(a, b, ref.type.dtype)));
    if (!same) return `element ${i} is ${a} instead of ${b}`;
  }
  return undefined;
}

/**
 * Every main-graph output whose value ModelLens folds, compared with the reference output: as the file
 * stands (`fed` false), and with the graph inputs given the test's input values (`fed` true).
 */
export function checkFolds(fed = false): FoldCheck[] {
  const out: FoldCheck[] = [];
  for (const file of listModels()) {
    const c = loadCase(file);
    if (!c.model) continue;
    const folded = foldedOutputs(c.model, fed ? inputValues(c) : undefined);
    folded.forEach((v, i) => {
      const ref = c.refs[i];
      if (!v || !ref || ref.type.container) return;
      const detail = sameValues(v, ref);
      out.push({ model: shortName(file), output: c.declared[i].name, ok: !detail, detail });
    });
  }
  return out;
}

export function countsLine(label: string, c: Counts): string {
  return `${label}: ${c.outputs} outputs: ${c.exact} exact, ${c.unknown} unknown (dtype given ${c.unknownWithDtype}, rank given ${c.unknownWithRank}), ${c.wrong} wrong, ${c.exceptions} exceptions`;
}
