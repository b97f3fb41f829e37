import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ModelError } from '../errors';

/**
 * Every path that comes from inside a model file (ONNX external data, tfjs `weightsManifest` paths,
 * safetensors index shards, split GGUF names, ...) goes through `resolveInModelFolder`: a model file is
 * untrusted and may name only files inside its own folder. Absolute paths, drive letters, NUL bytes,
 * `..` escapes, symbolic links that leave the folder and anything but a regular file are refused, each
 * with a reason in the user's words.
 */
export type Resolved = { ok: true; file: string; size: number } | { ok: false; why: string; missing?: boolean };

export function resolveInModelFolder(dir: string, ref: string): Resolved {
  const norm = ref.replace(/\\/g, '/');
  if (norm.includes('\0')) return { ok: false, why: `"${printable(ref)}" holds a NUL byte` };
  if (path.isAbsolute(norm) || /^[A-Za-z]:/.test(norm)) {
    return { ok: false, why: `"${printable(ref)}" is an absolute path (only paths inside the model's folder are read)` };
  }
  const file = path.resolve(dir, norm);
  if (!isInside(dir, file)) return { ok: false, why: `"${printable(ref)}" points outside the model's folder` };
  const kind = fileKind(file);
  if (kind.kind !== 'file') return { ok: false, why: `file "${printable(ref)}" ${kind.why}`, missing: kind.missing };
  let real: string;
  try {
    real = realpathSync(file);
  } catch (e) {
    return { ok: false, why: `file "${printable(ref)}" cannot be resolved (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (!isInside(realDir(dir), real)) return { ok: false, why: `"${printable(ref)}" is a link to a file outside the model's folder` };
  return { ok: true, file, size: kind.size };
}

/** As `resolveInModelFolder`, throwing a ModelError that names what referred to the file. */
export function requireInModelFolder(dir: string, ref: string, what: string): { file: string; size: number } {
  const r = resolveInModelFolder(dir, ref);
  if (!r.ok) throw new ModelError(`${what}: ${r.why}`, 'io');
  return r;
}

/**
 * The model file itself: must be a regular file. A FIFO or a device (directly or through a link) would
 * block a reader forever or never end, so it is refused before it is opened.
 */
export function requireRegularFile(file: string): number {
  const k = fileKind(file);
  if (k.kind === 'file') return k.size;
  if (k.missing) throw new ModelError('cannot read file: ENOENT (no such file)', 'io');
  throw new ModelError(`cannot read the model: ${k.why}`, 'io');
}

type Kind = { kind: 'file'; size: number } | { kind: 'other'; why: string; missing?: boolean };

function fileKind(file: string): Kind {
  try {
    const st = statSync(file);
    if (st.isFile()) return { kind: 'file', size: st.size };
    if (st.isDirectory()) return { kind: 'other', why: 'is a folder, not a regular file' };
    if (st.isFIFO()) return { kind: 'other', why: 'is a named pipe (FIFO), not a regular file' };
    if (st.isCharacterDevice() || st.isBlockDevice()) return { kind: 'other', why: 'is a device, not a regular file' };
    if (st.isSocket()) return { kind: 'other', why: 'is a socket, not a regular file' };
    return { kind: 'other', why: 'is not a regular file' };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { kind: 'other', why: 'is missing', missing: true } : { kind: 'other', why: `cannot be read (${code ?? (e as Error).message})` };
  }
}

/** Whether `ref` names a place inside `dir` by its text alone (no absolute path, no `..` escape, no NUL). */
export function staysInFolder(dir: string, ref: string): boolean {
  const norm = ref.replace(/\\/g, '/');
  if (norm.includes('\0') || path.isAbsolute(norm) || /^[A-Za-z]:/.test(norm)) return false;
  return isInside(dir, path.resolve(dir, norm));
}

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(path.resolve(dir), file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

/** A name from a file, fit for a one-line message: control characters as \xNN, long names elided. */
export function printable(s: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const esc = s.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return esc.length > max ? `${esc.slice(0, max - 21)}…(${esc.length} chars)` : esc;
}
