// Deterministic mutations of the shared models: case (seed, id) -> files to write + a label.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { deflateSync, zipSync } from 'fflate';
import protobuf from 'protobufjs/minimal';
import { onnx } from '../../src/core/formats/onnx/schema/onnx';
import { mulberry32 } from '../../src/core/runtime/prng';
import { mutateGguf } from './gguf';
import * as H from './hostile';
import type { CaseFile } from './hostile';
import { mutateLlm } from './mutateLlm';

// The fuzzer must be able to *write* graphs nested deeper than protoc's default limit (the reader's own
// depth limit is what is under test).
protobuf.util.recursionLimit = 100_000;

export const MODELS = path.resolve(__dirname, '../../../shared/models');

export interface FuzzCase {
  id: number;
  label: string;
  /** Files relative to the case directory (`../x`: beside it, outside the model's folder); `main` is the one analysed. */
  files: CaseFile[];
  main: string;
}

export interface MutateOptions {
  /** 100 MB strings (only in the large run). */
  large?: boolean;
}

export type Rng = () => number;
/** Case `id` of run `seed`: its own stream, so one case reproduces alone (--case). */
export function rngFor(seed: number, id: number): Rng {
  return mulberry32((Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(id + 1, 0xc2b2ae35)) >>> 0);
}
const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];

const ONNX_FILES = ['conv1d_audio.onnx', 'squeezenet1_1_extdata.onnx', 'lstm_classifier.onnx', 'tiny_bert_dynamic.onnx', 'squeezenet1_0.onnx', 'mobilenet_v3_small_fp16.onnx'];
const cache = new Map<string, Buffer>();
function bytes(rel: string): Buffer {
  let b = cache.get(rel);
  if (!b) cache.set(rel, (b = readFileSync(path.join(MODELS, rel))));
  return b;
}
let kerasList: string[] | undefined;
function kerasFiles(): string[] {
  return (kerasList ??= readdirSync(path.join(MODELS, 'keras')).filter((f) => f.endsWith('.json')).sort());
}

// ---------------------------------------------------------------- raw bytes

function truncate(r: Rng, b: Uint8Array): { data: Uint8Array; where: string } {
  // Every region: the header, the body, the last bytes.
  const region = pick(r, ['head', 'body', 'tail'] as const);
  const at = region === 'head' ? int(r, Math.min(64, b.length)) : region === 'tail' ? Math.max(0, b.length - 1 - int(r, 64)) : int(r, b.length);
  return { data: b.subarray(0, at), where: `${region}@${at}` };
}
function bitflip(r: Rng, b: Uint8Array): { data: Uint8Array; where: string } {
  const c = Uint8Array.from(b);
  const n = 1 + int(r, 16);
  const at: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = r() < 0.3 ? int(r, Math.min(c.length, 256)) : int(r, c.length);
    c[p] ^= 1 << int(r, 8);
    at.push(p);
  }
  return { data: c, where: `${n}bits@${at.slice(0, 3).join(',')}` };
}
function smash(r: Rng, b: Uint8Array): { data: Uint8Array; where: string } {
  const c = Uint8Array.from(b);
  const p = int(r, c.length);
  const len = 1 + int(r, 32);
  const v = pick(r, [0x00, 0xff, 0x80, 0x7f]);
  c.fill(v, p, Math.min(c.length, p + len));
  return { data: c, where: `${len}x${v.toString(16)}@${p}` };
}
function raw(r: Rng, b: Uint8Array) {
  const k = int(r, 3);
  return k === 0 ? { kind: 'truncate', ...truncate(r, b) } : k === 1 ? { kind: 'bitflip', ...bitflip(r, b) } : { kind: 'smash', ...smash(r, b) };
}

// ---------------------------------------------------------------- ONNX, structure-aware

const HUGE = [2 ** 31, 2 ** 32 + 1, 2 ** 53, 2 ** 62, 1e18, 4294967296 * 65536];
type M = onnx.IModelProto;

function dimsOf(g: onnx.IGraphProto): onnx.TensorShapeProto.IDimension[] {
  const out: onnx.TensorShapeProto.IDimension[] = [];
  for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.value_info ?? [])]) for (const d of v.type?.tensor_type?.shape?.dim ?? []) out.push(d);
  return out;
}

const ONNX_STRUCT: Record<string, (r: Rng, m: M, f: string) => string | { sidecar: 'drop' | 'keep' } | void> = {
  'dim-huge': (r, m) => {
    const ds = dimsOf(m.graph!);
    const d = pick(r, ds);
    d.dim_value = pick(r, HUGE);
    d.dim_param = undefined;
  },
  'dim-negative': (r, m) => {
    const d = pick(r, dimsOf(m.graph!));
    d.dim_value = -1 - int(r, 1000);
    d.dim_param = undefined;
  },
  'dim-overflow': (r, m) => {
    const ds = dimsOf(m.graph!);
    for (let i = 0; i < 4; i++) {
      const d = pick(r, ds);
      d.dim_value = 2 ** (20 + int(r, 12));
      d.dim_param = undefined;
    }
  },
  'init-dims': (r, m) => {
    const t = pick(r, m.graph!.initializer ?? []);
    if (!t) return;
    const k = int(r, 4);
    t.dims = k === 0 ? [pick(r, HUGE), pick(r, HUGE)] : k === 1 ? [-3, 4] : k === 2 ? [] : Array.from({ length: 70 }, () => 2);
  },
  'init-dtype': (r, m) => {
    const t = pick(r, m.graph!.initializer ?? []);
    if (t) t.data_type = pick(r, [0, 8, 17, 99, -1, 1 << 20]);
  },
  cycle: (r, m) => {
    const ns = m.graph!.node ?? [];
    if (ns.length < 2) return;
    const a = int(r, ns.length);
    const b = a + int(r, ns.length - a);
    if (ns[a].input?.length && ns[b].output?.length) ns[a].input![0] = ns[b].output![0];
  },
  'self-loop': (r, m) => {
    const n = pick(r, m.graph!.node ?? []);
    if (n?.input?.length && n.output?.length) n.input[0] = n.output[0];
  },
  dangling: (r, m) => {
    const n = pick(r, m.graph!.node ?? []);
    if (n) n.input = [...(n.input ?? []), `dangling_${int(r, 1e6)}`];
  },
  'dup-output': (r, m) => {
    const ns = m.graph!.node ?? [];
    const a = pick(r, ns);
    const b = pick(r, ns);
    if (a?.output?.length && b?.output?.length) b.output[0] = a.output[0];
  },
  'dup-init': (r, m) => {
    const is = m.graph!.initializer ?? [];
    if (is.length >= 2) is[int(r, is.length)].name = is[int(r, is.length)].name;
    if (is.length) is.push({ ...is[0], dims: [1] });
  },
  'drop-io': (r, m) => {
    if (r() < 0.5) m.graph!.input = [];
    else m.graph!.output = [];
  },
  'no-graph': (_r, m) => {
    m.graph = undefined;
  },
  'op-type': (r, m) => {
    const n = pick(r, m.graph!.node ?? []);
    if (n) {
      n.op_type = pick(r, ['', 'Frobnicate', 'Conv', 'Loop', 'If', 'Gemm', 'MatMul', 'Reshape']);
      if (r() < 0.3) n.domain = 'com.evil';
    }
  },
  attribute: (r, m) => {
    const n = pick(r, (m.graph!.node ?? []).filter((x) => x.attribute?.length));
    if (!n) return;
    const a = pick(r, n.attribute!);
    const v = pick(r, [0, -1, 2 ** 40, -(2 ** 40)]);
    a.i = v;
    if (a.ints?.length) a.ints = a.ints.map(() => v);
    if (r() < 0.3) a.ints = Array.from({ length: 100 }, () => v);
    if (r() < 0.2) a.type = pick(r, [0, 99, 5, 10]) as onnx.AttributeProto.AttributeType;
  },
  opset: (r, m) => {
    m.opset_import = r() < 0.5 ? [] : [{ domain: '', version: pick(r, [0, -1, 1, 999, 2 ** 40]) }];
  },
  'ext-missing': (_r, _m, f) => (f.includes('extdata') ? { sidecar: 'drop' } : undefined),
  'ext-location': (r, m) => {
    const t = pick(r, (m.graph!.initializer ?? []).filter((x) => x.external_data?.length));
    if (!t) return;
    const loc = t.external_data!.find((e) => e.key === 'location');
    if (loc) loc.value = pick(r, ['missing.bin', '../../../../etc/passwd', '/etc/passwd', '', 'sub/../../x.data', '.', '\u0000x']);
    return { sidecar: 'keep' };
  },
  'ext-offset': (r, m) => {
    const t = pick(r, (m.graph!.initializer ?? []).filter((x) => x.external_data?.length));
    if (!t) return;
    const key = r() < 0.5 ? 'offset' : 'length';
    const e = t.external_data!.find((x) => x.key === key);
    const v = pick(r, ['99999999999', '-5', 'abc', '1e30', String(2 ** 53 + 1), '4934304', '']);
    if (e) e.value = v;
    else t.external_data!.push({ key, value: v });
    return { sidecar: 'keep' };
  },
  'make-external': (r, m) => {
    const t = pick(r, (m.graph!.initializer ?? []).filter((x) => !x.external_data?.length));
    if (!t) return;
    t.data_location = 1;
    t.external_data = [{ key: 'location', value: pick(r, ['nope.bin', '../x.bin']) }, { key: 'offset', value: String(int(r, 1e9)) }];
  },
  'long-name': (r, m) => {
    const n = pick(r, m.graph!.node ?? []);
    if (n) n.name = 'n'.repeat(1 << (10 + int(r, 14)));
  },
  'many-nodes': (r, m) => {
    const ns = m.graph!.node ?? [];
    const n = ns[0];
    if (!n) return;
    const k = 2000 + int(r, 20000);
    for (let i = 0; i < k; i++) ns.push({ ...n, name: `${n.name}_${i}`, output: [`${n.output?.[0]}_${i}`] });
  },
  'deep-subgraph': (r, m) => {
    // If-node bodies nested past any sane depth.
    let g: onnx.IGraphProto = { name: 'leaf', node: [] };
    // Only the then-branch nests: sharing one body in both branches would double the file per level.
    const depth = pick(r, [8, 33, 60, 90, 200]);
    for (let i = 0; i < depth; i++) g = { name: `g${i}`, node: [{ op_type: 'If', input: ['c'], output: [`o${i}`], attribute: [{ name: 'then_branch', type: 5, g }, { name: 'else_branch', type: 5, g: { name: `e${i}`, node: [] } }] }] };
    m.graph!.node = [...(m.graph!.node ?? []), ...(g.node ?? [])];
  },
};

function mutateOnnx(r: Rng, id: number): FuzzCase {
  const f = pick(r, ONNX_FILES);
  const base = bytes(`onnx/${f}`);
  const files: FuzzCase['files'] = [];
  let sidecar = f.includes('extdata');
  let label: string;
  let data: Uint8Array;
  if (r() < 0.4) {
    const x = raw(r, base);
    data = x.data;
    label = `onnx ${x.kind}@${x.where} ${f}`;
  } else {
    const m = onnx.ModelProto.decode(base);
    const names = Object.keys(ONNX_STRUCT);
    const k = f.includes('extdata') && r() < 0.5 ? pick(r, ['ext-missing', 'ext-location', 'ext-offset']) : pick(r, names);
    const res = ONNX_STRUCT[k](r, m, f);
    if (res && typeof res === 'object' && res.sidecar === 'drop') sidecar = false;
    data = onnx.ModelProto.encode(m).finish();
    label = `onnx ${k} ${f}`;
    if (r() < 0.1) {
      const x = raw(r, data);
      data = x.data;
      label += ` +${x.kind}@${x.where}`;
    }
  }
  files.push({ name: f, data });
  if (sidecar) {
    const sc = bytes(`onnx/${f}.data`);
    // Sometimes a truncated sidecar: offsets past its end.
    files.push({ name: `${f}.data`, data: r() < 0.2 ? sc.subarray(0, int(r, sc.length)) : sc });
  }
  return { id, label, files, main: f };
}

// ---------------------------------------------------------------- Keras JSON

type J = unknown;
function walk(v: J, f: (parent: Record<string, J> | J[], key: string | number) => void): void {
  if (Array.isArray(v)) v.forEach((_, i) => (f(v, i), walk(v[i], f)));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) f(v as Record<string, J>, k), walk((v as Record<string, J>)[k], f);
}
function slots(v: J): [Record<string, J> | J[], string | number][] {
  const out: [Record<string, J> | J[], string | number][] = [];
  walk(v, (p, k) => out.push([p, k]));
  return out;
}
function layersOf(j: J): Record<string, J>[] {
  const out: Record<string, J>[] = [];
  walk(j, (p, k) => {
    if (k === 'layers' && Array.isArray((p as Record<string, J>)[k as string])) for (const l of (p as Record<string, J[]>)[k as string]) if (l && typeof l === 'object') out.push(l as Record<string, J>);
  });
  return out;
}
const WRONG: J[] = [null, 0, -1, 1e308, 'x', '', [], {}, true, [null], { class_name: 7 }, 2 ** 53, [-1, -1], [1e12, 1e12, 1e12]];

function mutateKerasJson(r: Rng, id: number, opts: MutateOptions): FuzzCase {
  const f = pick(r, kerasFiles());
  const text = bytes(`keras/${f}`).toString('utf8');
  const k = pick(r, ['truncate', 'bitflip', 'deep-nesting', 'huge-string', 'wrong-type', 'wrong-type', 'wrong-type', 'inbound-cycle', 'dup-names', 'delete-key', 'huge-units']);
  let out: string | Uint8Array;
  if (k === 'truncate' || k === 'bitflip') {
    const x = k === 'truncate' ? truncate(r, Buffer.from(text)) : bitflip(r, Buffer.from(text));
    return { id, label: `keras-json ${k}@${x.where} ${f}`, files: [{ name: f, data: x.data }], main: f };
  }
  let j: J;
  try {
    j = JSON.parse(text);
  } catch {
    // Some shared files are double-encoded or not strict JSON: mutate the text.
    const x = bitflip(r, Buffer.from(text));
    return { id, label: `keras-json bitflip@${x.where} ${f}`, files: [{ name: f, data: x.data }], main: f };
  }
  const s = slots(j);
  let where = '';
  switch (k) {
    case 'deep-nesting': {
      const depth = pick(r, [1000, 10_000, 100_000, 1_000_000]);
      const open = pick(r, ['[', '{"a":']);
      const close = open === '[' ? ']' : '}';
      const deep = open.repeat(depth) + '1' + close.repeat(depth);
      where = `${depth}`;
      if (s.length && r() < 0.7) {
        const [p, key] = pick(r, s);
        (p as Record<string, J>)[key as string] = '__DEEP__';
        out = JSON.stringify(j).replace('"__DEEP__"', deep);
      } else out = deep;
      break;
    }
    case 'huge-string': {
      const len = opts.large ? 100 << 20 : pick(r, [1 << 20, 8 << 20]);
      where = `${len}`;
      const [p, key] = s.length ? pick(r, s) : [j as Record<string, J>, 'x'];
      (p as Record<string, J>)[key as string] = '__HUGE__';
      out = JSON.stringify(j).replace('"__HUGE__"', JSON.stringify('A'.repeat(len)));
      break;
    }
    case 'wrong-type': {
      for (let i = 0, n = 1 + int(r, 4); i < n && s.length; i++) {
        const [p, key] = pick(r, s);
        (p as Record<string, J>)[key as string] = structuredClone(pick(r, WRONG));
        where += `${key},`;
      }
      out = JSON.stringify(j);
      break;
    }
    case 'inbound-cycle': {
      const ls = layersOf(j);
      if (ls.length >= 2) {
        const a = ls[int(r, ls.length)];
        const b = ls[int(r, ls.length)];
        const bn = (b.config as Record<string, J>)?.name ?? b.name;
        a.inbound_nodes = [[[bn, 0, 0, {}]]];
        if (r() < 0.5) b.inbound_nodes = [[[(a.config as Record<string, J>)?.name ?? a.name, 0, 0, {}]]];
        where = String(bn);
      }
      out = JSON.stringify(j);
      break;
    }
    case 'dup-names': {
      const ls = layersOf(j);
      const n0 = ls[0] && ((ls[0].config as Record<string, J>)?.name ?? ls[0].name);
      for (const l of ls) if (r() < 0.5) {
        l.name = n0;
        if (l.config && typeof l.config === 'object') (l.config as Record<string, J>).name = n0;
      }
      out = JSON.stringify(j);
      break;
    }
    case 'delete-key': {
      for (let i = 0, n = 1 + int(r, 4); i < n && s.length; i++) {
        const [p, key] = pick(r, s);
        if (Array.isArray(p)) p.splice(key as number, 1);
        else delete p[key as string];
      }
      out = JSON.stringify(j);
      break;
    }
    default: {
      // huge-units: sizes whose products overflow.
      for (const [p, key] of s) if (typeof key === 'string' && /units|filters|output_dim|input_dim|kernel_size|batch_input_shape|batch_shape|target_shape|dims/.test(key) && r() < 0.5) {
        const v = pick(r, [2 ** 31, 2 ** 53, 1e300, -7, 0]);
        (p as Record<string, J>)[key] = Array.isArray((p as Record<string, J>)[key]) ? ((p as Record<string, J[]>)[key]).map((x) => (x === null ? null : v)) : v;
        where += `${key},`;
      }
      out = JSON.stringify(j);
    }
  }
  return { id, label: `keras-json ${k}${where ? '@' + where.slice(0, 40) : ''} ${f}`, files: [{ name: f, data: out }], main: f };
}

// ---------------------------------------------------------------- .keras zip and .h5

const H5_SIG = Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
function fakeH5(r: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = int(r, 256);
  b.set(H5_SIG, 0);
  // A plausible superblock version 0/2 then garbage.
  b[8] = pick(r, [0, 2, 3]);
  return b;
}
let bomb: Uint8Array | undefined;

function mutateKerasZip(r: Rng, id: number): FuzzCase {
  const f = pick(r, kerasFiles());
  const config = bytes(`keras/${f}`);
  const meta = Buffer.from(JSON.stringify({ keras_version: '3.3.3', date_saved: '2024-01-01' }));
  const k = pick(r, ['zip-bomb', 'path-traversal', 'corrupt-config', 'corrupt-weights', 'zip-bitflip', 'zip-truncate', 'no-config', 'dup-entry', 'bad-metadata']);
  const entries: Record<string, Uint8Array | [Uint8Array, { level: 0 | 9 }]> = {};
  let label = `keras-zip ${k} ${f}`;
  let data: Uint8Array | undefined;
  switch (k) {
    case 'zip-bomb': {
      bomb ??= new Uint8Array(64 << 20).fill(0x20);
      entries['config.json'] = [bomb, { level: 9 }];
      break;
    }
    case 'path-traversal':
      entries[pick(r, ['../../x', '../../../../tmp/evil.json', '/etc/passwd', 'a/../../b'])] = config;
      entries['config.json'] = config;
      entries[pick(r, ['../model.weights.h5', '..\\..\\x'])] = fakeH5(r, 256);
      break;
    case 'corrupt-config':
      entries['config.json'] = truncate(r, config).data;
      break;
    case 'corrupt-weights':
      entries['config.json'] = config;
      entries['model.weights.h5'] = [fakeH5(r, 512 + int(r, 4096)), { level: 0 }];
      break;
    case 'no-config':
      entries['model.weights.h5'] = fakeH5(r, 64);
      break;
    case 'bad-metadata':
      entries['config.json'] = config;
      entries['metadata.json'] = Buffer.from('{"keras_version": ' + '['.repeat(100000));
      break;
    default:
      entries['config.json'] = config;
      entries['metadata.json'] = meta;
      entries['model.weights.h5'] = [fakeH5(r, 1024), { level: 0 }];
  }
  if (k !== 'bad-metadata' && !entries['metadata.json'] && r() < 0.5) entries['metadata.json'] = meta;
  data = zipSync(entries as Parameters<typeof zipSync>[0]);
  if (k === 'dup-entry') {
    // Two central-directory records named config.json: concatenate two archives' records crudely by renaming.
    const z = zipSync({ 'config.json': config, 'config.jsoX': config });
    const b = Buffer.from(z);
    for (let i = b.indexOf('config.jsoX'); i >= 0; i = b.indexOf('config.jsoX', i + 1)) b[i + 10] = 0x6e;
    data = b;
  } else if (k === 'zip-bitflip') {
    const x = bitflip(r, data);
    data = x.data;
    label += `@${x.where}`;
  } else if (k === 'zip-truncate') {
    const x = truncate(r, data);
    data = x.data;
    label += `@${x.where}`;
  }
  return { id, label, files: [{ name: 'model.keras', data }], main: 'model.keras' };
}

function mutateH5(r: Rng, id: number): FuzzCase {
  const k = pick(r, ['random', 'truncated', 'sig-only', 'deflated-garbage']);
  let data: Uint8Array;
  if (k === 'sig-only') data = H5_SIG;
  else if (k === 'truncated') data = fakeH5(r, 8 + int(r, 64));
  else if (k === 'deflated-garbage') {
    const b = fakeH5(r, 2048);
    b.set(deflateSync(bytes(`keras/${pick(r, kerasFiles())}`)).subarray(0, 1500), 48);
    data = b;
  } else data = fakeH5(r, 96 + int(r, 8192));
  return { id, label: `h5 ${k}`, files: [{ name: 'model.h5', data }], main: 'model.h5' };
}

// ---------------------------------------------------------------- hostile classes (issue 20)
// Sizes stay within the fuzzer's time limit on a loaded machine; test/unit/security/hostile2.test.ts
// builds each class at the size the issue reported (100,000 layers, 200,000 subgraphs, 60 MB JSON...).

const ESCAPES = ['/etc/passwd', '../outside.bin', '../../../../etc/hostname', 'sub/../../outside.bin', 'link-out.bin', 'dev-zero.bin', 'pipe.bin', 'a\u0000b.bin'];

/** Inputs written from outside the readers' assumptions: scripts/fuzz/hostile.ts builds them, sized here. */
function mutateHostile(r: Rng, id: number, opts: MutateOptions): FuzzCase {
  const k = pick(r, ['fifo', 'dev-link', 'h5-external', 'h5-cycle', 'h5-wide', 'proto-onnx', 'proto-keras', 'inline-array', 'unknown-layers', 'subgraphs', 'if-outer', 'dim-sum', 'dim-max', 'dim-square', 'dim-long', 'forged', 'zip-lying', 'reshape-huge', 'split-huge', 'tfjs-escape', 'tiny-nodes'] as const);
  const one = (name: string, data: Uint8Array | string, label: string = k): FuzzCase => ({ id, label: `hostile ${label}`, files: [{ name, data }], main: name });
  switch (k) {
    case 'fifo': {
      const name = pick(r, ['m.onnx', 'm.json', 'm.keras', 'm.h5']);
      return { id, label: `hostile fifo ${name}`, files: [{ name, fifo: true }], main: name };
    }
    case 'dev-link':
      return { id, label: 'hostile dev-link', files: [{ name: 'm.onnx', symlink: pick(r, ['/dev/zero', '/dev/urandom', '/dev/null']) }], main: 'm.onnx' };
    case 'h5-external': {
      const target = pick(r, ['abs', 'rel'] as const);
      const outside = `../outside-${id}.h5`;
      return { id, label: `hostile h5-external ${target}`, files: [{ name: outside, h5: H.h5Canary(7.25) }, { name: 'm.h5', h5: H.h5ExternalLink(target === 'rel' ? outside : `@ABS@${outside}`) }], main: 'm.h5' };
    }
    case 'h5-cycle': {
      const fan = pick(r, [1, 2, 3]);
      return { id, label: `hostile h5-cycle fan ${fan}`, files: [{ name: 'm.h5', h5: H.h5HardLinkCycle(fan) }], main: 'm.h5' };
    }
    case 'h5-wide': {
      const layers = 20 + int(r, 150);
      return { id, label: `hostile h5-wide ${layers} layers`, files: [{ name: 'm.h5', h5: H.h5ManyDatasets(layers, 2 + int(r, 20)) }], main: 'm.h5' };
    }
    case 'proto-onnx': {
      const key = pick(r, H.PROTO_KEYS);
      return one('m.onnx', H.onnxProtoKeys(key), `proto-onnx ${key}`);
    }
    case 'proto-keras': {
      const key = pick(r, H.PROTO_KEYS);
      return one('m.json', H.kerasProtoKeys(key), `proto-keras ${key}`);
    }
    case 'inline-array': {
      const n = pick(r, [20_000, 100_000, 1_000_000, opts.large ? 10_000_000 : 2_000_000]);
      return one('m.json', H.kerasInlineArray(n), `inline-array ${n}`);
    }
    case 'unknown-layers': {
      const n = pick(r, [100, 1000, 3000]);
      return one('m.json', H.kerasUnknownChain(n), `unknown-layers ${n}`);
    }
    case 'subgraphs': {
      const n = pick(r, [100, 2000, 20_000]);
      return one('m.onnx', H.onnxManySubgraphs(n), `subgraphs ${n}`);
    }
    case 'if-outer': {
      const n = pick(r, [100, 1000, 5000]);
      return one('m.onnx', H.onnxIfReadsOuter(n), `if-outer ${n}`);
    }
    case 'dim-sum': {
      const n = pick(r, [10, 500, 3000]);
      return one('m.onnx', H.onnxDimSum(n), `dim-sum ${n}`);
    }
    case 'dim-max': {
      const n = pick(r, [10, 30, 60]);
      return one('m.onnx', H.onnxDimMaxDoubling(n), `dim-max ${n} levels`);
    }
    case 'dim-square': {
      const n = pick(r, [3, 8, 14]);
      return one('m.onnx', H.onnxDimSquare(n), `dim-square ${n} levels`);
    }
    case 'dim-long': {
      const len = pick(r, [300, 100_000, opts.large ? (4 << 20) - 1 : 1 << 20]);
      return one('m.onnx', H.onnxLongDimParam(len, pick(r, [10, 100, 300])), `dim-long ${len}`);
    }
    case 'forged':
      return one('m.onnx', H.onnxForgedName());
    case 'zip-lying':
      return one('m.keras', H.kerasLyingMember(pick(r, [1 << 16, 1 << 22, opts.large ? 1 << 28 : 1 << 24])));
    case 'reshape-huge':
      return one('m.onnx', H.onnxReshapeHuge(pick(r, [1e5, 1e8, 2 ** 40])));
    case 'split-huge':
      return one('m.onnx', H.onnxSplitHuge(pick(r, [3, 1e8, -5])));
    case 'tfjs-escape': {
      const ref = pick(r, ESCAPES);
      const manifest = [{ paths: [ref], weights: [{ name: 'd/kernel', shape: [4, 2], dtype: 'float32' }] }];
      const topology = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 4] } }] } };
      return {
        id,
        label: `hostile tfjs-escape ${JSON.stringify(ref)}`,
        files: [
          { name: '../outside.bin', data: new Uint8Array(32).fill(0x41) },
          { name: 'link-out.bin', symlink: '../outside.bin' },
          { name: 'dev-zero.bin', symlink: '/dev/zero' },
          { name: 'pipe.bin', fifo: true },
          { name: 'model.json', data: JSON.stringify({ format: 'layers-model', modelTopology: { model_config: topology }, weightsManifest: manifest }) },
        ],
        main: 'model.json',
      };
    }
    default: {
      const n = pick(r, [1000, 10_000, 50_000]);
      return one('m.onnx', H.onnxTinyNodes(n, r() < 0.5 ? 'chain' : 'fan'), `tiny-nodes ${n}`);
    }
  }
}

/** The case `id` of run `seed`: the same inputs every time. */
export function makeCase(seed: number, id: number, opts: MutateOptions = {}): FuzzCase {
  const r = rngFor(seed, id);
  // Every eighth case is a Hugging Face checkpoint; the others are the cases they were before it existed.
  if (id % 8 === 5) return mutateLlm(r, id);
  // And every eighth (another residue) a GGUF file.
  if (id % 8 === 1) return mutateGguf(r, id);
  const fam = r();
  if (fam < 0.4) return mutateOnnx(r, id);
  if (fam < 0.7) return mutateKerasJson(r, id, opts);
  if (fam < 0.83) return mutateKerasZip(r, id);
  if (fam < 0.88) return mutateH5(r, id);
  return mutateHostile(r, id, opts);
}
