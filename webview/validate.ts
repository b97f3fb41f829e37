/**
 * The primitive checks every message validator is built from (protocol.ts, measureProtocol.ts). Each
 * throws Invalid naming the path of the bad field; `guard` turns that into a Parsed result.
 */
import type { Count } from '../src/core/analysis/types';

export class Invalid extends Error {}

export type Obj = Record<string, unknown>;

export function obj(x: unknown, at: string): Obj {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new Invalid(`${at}: expected an object`);
  return x as Obj;
}
export function str(x: unknown, at: string): string {
  if (typeof x !== 'string') throw new Invalid(`${at}: expected a string`);
  return x;
}
export function num(x: unknown, at: string): number {
  if (typeof x !== 'number' || Number.isNaN(x)) throw new Invalid(`${at}: expected a number`);
  return x;
}
/** A finite number ≥ 0 (times, sizes): NaN, ±Infinity and negative values are refused. */
export function nonNegative(x: unknown, at: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new Invalid(`${at}: expected a finite number >= 0`);
  return x;
}
export function count(x: unknown, at: string): Count {
  if (typeof x === 'string') return x;
  return num(x, at);
}
export function bool(x: unknown, at: string): boolean {
  if (typeof x !== 'boolean') throw new Invalid(`${at}: expected a boolean`);
  return x;
}
export function arr(x: unknown, at: string): unknown[] {
  if (!Array.isArray(x)) throw new Invalid(`${at}: expected an array`);
  return x;
}
export function optional<T>(o: Obj, key: string, at: string, f: (x: unknown, at: string) => T): T | undefined {
  return o[key] === undefined ? undefined : f(o[key], `${at}.${key}`);
}
export function oneOf<T extends string>(x: unknown, allowed: readonly T[], at: string): T {
  if (typeof x !== 'string' || !(allowed as readonly string[]).includes(x)) {
    throw new Invalid(`${at}: expected one of ${allowed.join(', ')}`);
  }
  return x as T;
}
export function record<T>(x: unknown, at: string, f: (v: unknown, at: string) => T): Record<string, T> {
  const o = obj(x, at);
  for (const k of Object.keys(o)) f(o[k], `${at}[${JSON.stringify(k)}]`);
  return o as Record<string, T>;
}

export type Parsed<T> = { ok: true; msg: T } | { ok: false; error: string };

export function guard<T>(f: () => T): Parsed<T> {
  try {
    return { ok: true, msg: f() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: e.message };
    throw e;
  }
}
