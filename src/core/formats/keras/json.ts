import { createScanner, getNodeValue, parseTree, printParseErrorCode, SyntaxKind, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { ModelError } from '../../errors';
import type { SourceRange } from '../../ir/graph';

export type { JsonNode };

/** A parsed JSON document: its tree (offsets) and a map from tree offsets to offsets in the file text. */
export interface JsonDoc {
  root: JsonNode;
  value: unknown;
  /** Maps a range of the parsed text to the file text (identity unless the JSON was double-encoded). */
  range(n: JsonNode): SourceRange;
  doubleEncoded: boolean;
  notes: string[];
}

export function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) { line++; last = i; }
  return { line, column: offset - last };
}

/**
 * Python's json.dumps writes NaN and Infinity (not JSON). They are rewritten in place with the same
 * length (Infinity -> 1e999 = Infinity in JS; NaN -> 0.0), so tree offsets still match the file.
 */
function pythonFloats(text: string, notes?: string[]): string {
  if (!/NaN|Infinity/.test(text)) return text;
  const sc = createScanner(text, false);
  let out = '';
  let last = 0;
  for (let k = sc.scan(); k !== SyntaxKind.EOF; k = sc.scan()) {
    if (k !== SyntaxKind.Unknown) continue;
    const v = sc.getTokenValue();
    const at = sc.getTokenOffset();
    if (v === 'NaN' || v === 'Infinity') {
      out += text.slice(last, at) + (v === 'NaN' ? '0.0' : '1e999   ');
      last = at + v.length;
    }
  }
  if (last === 0) return text;
  notes?.push('the JSON holds Python NaN/Infinity values (NaN read as 0)');
  return out + text.slice(last);
}

/** Deeper than any real model config (nested models reach ~30); jsonc-parser recurses per level. */
export const MAX_JSON_DEPTH = 512;

/**
 * Values (array elements and object members) the tree may hold: jsonc-parser's tree costs ~300 bytes a
 * value, so this bounds a document to well under 1 GiB whatever its shape (the largest real configs,
 * 1,000-layer models, hold ~100,000).
 */
export const MAX_JSON_VALUES = 2_000_000;

/** Refuses absurd nesting before the recursive parser would overflow the stack, and too many values. */
function checkDepth(text: string, what: string): void {
  let depth = 0;
  let values = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2c && ++values > MAX_JSON_VALUES) {
      throw new ModelError(`${what} holds more than ${MAX_JSON_VALUES} JSON values (limit ${MAX_JSON_VALUES}): not a model config`, 'limit');
    }
    if (c === 0x22) i = stringEnd(text, i);
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) {
        const { line, column } = lineCol(text, i);
        throw new ModelError(`${what} nests deeper than ${MAX_JSON_DEPTH} levels (at line ${line}, column ${column}): not a model config`, 'limit');
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** Index of the quote closing the string opened at `open` (or the end): native search, as a huge
 * string (a 100 MB doc field) must not cost a JS loop per character. */
function stringEnd(text: string, open: number): number {
  for (let q = text.indexOf('"', open + 1); q >= 0; q = text.indexOf('"', q + 1)) {
    let bs = 0;
    while (text.charCodeAt(q - 1 - bs) === 0x5c) bs++;
    if (bs % 2 === 0) return q;
  }
  return text.length;
}

/**
 * Numeric arrays (nested ones too) of at least this many characters (~10,000 numbers) are no architecture: weights
 * inlined in a config. jsonc-parser builds a node per element (~50 bytes of heap per byte of text: a
 * 60 MB array of zeros took 3.2 GiB), so such arrays are counted and replaced (the same length,
 * so offsets still match the file) by a string saying so before the tree is built.
 */
export const MAX_NUMERIC_ARRAY_CHARS = 64 << 10;

function blankNumericArrays(text: string, notes?: string[]): string {
  let out = '';
  let last = 0;
  let arrays = 0;
  let numbers = 0;
  // The next quote and the next bracket are each searched for once per position passed (searching for
  // the bracket again after every string was quadratic on a million nested `{"a":`).
  let quote = text.indexOf('"');
  let open = text.indexOf('[');
  for (let i = 0; open >= 0; ) {
    if (quote >= 0 && quote < open) {
      // Brackets inside strings are text: skip the string.
      i = stringEnd(text, quote) + 1;
      quote = text.indexOf('"', i);
      if (open < i) open = text.indexOf('[', i);
      continue;
    }
    // A run of numbers, commas, white space and nested brackets (rows of a matrix), closing `open`.
    let j = open + 1;
    let commas = 0;
    let depth = 1;
    for (; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === 0x2c) commas++;
      else if (c === 0x5b) depth++;
      else if (c === 0x5d) {
        if (--depth === 0) break;
      } else if (!((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) break;
    }
    if (depth === 0 && j - open - 1 >= MAX_NUMERIC_ARRAY_CHARS) {
      arrays++;
      numbers += commas + 1;
      // A string literal of the same length (jsonc-parser scans a long string in one substring; long
      // whitespace it builds up a character at a time).
      const label = `inline numeric array of ${commas + 1} numbers, not read`;
      out += text.slice(last, open) + '"' + label + ' '.repeat(j - open - 1 - label.length) + '"';
      last = j + 1;
    }
    i = j;
    open = text.indexOf('[', i);
    if (quote >= 0 && quote < i) quote = text.indexOf('"', i);
  }
  if (arrays === 0) return text;
  notes?.push(`the JSON holds ${arrays} inline numeric array${arrays === 1 ? '' : 's'} of ${numbers} numbers in all (weights inlined in the config?): counted, not read`);
  return out + text.slice(last);
}

function parseStrict(raw: string, what: string, notes?: string[]): JsonNode {
  const text = blankNumericArrays(pythonFloats(raw, notes), notes);
  checkDepth(text, what);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: false, allowTrailingComma: true, allowEmptyContent: false });
  if (errors.length > 0 || !root) {
    const e = errors[0];
    if (!e) throw new ModelError(`${what} is empty`);
    const { line, column } = lineCol(text, e.offset);
    throw new ModelError(`${what} is not valid JSON: ${printParseErrorCode(e.error)} at line ${line}, column ${column}`);
  }
  return root;
}

/**
 * Offsets of each decoded character of a JSON string literal in the file, so that ranges found in
 * the decoded (inner) JSON can be mapped back onto the outer string literal.
 */
function escapeMap(text: string, lit: JsonNode): number[] {
  const map: number[] = [];
  const end = lit.offset + lit.length - 1; // closing quote
  for (let i = lit.offset + 1; i < end; ) {
    map.push(i);
    if (text[i] !== '\\') { i++; continue; }
    if (text[i + 1] === 'u') i += 6;
    else i += 2;
  }
  map.push(end);
  return map;
}

/** Python json.dump(model.to_json()) writes the model JSON as one JSON string: decode it once more. */
export function parseJsonDocument(text: string): JsonDoc {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const shift = text.length - src.length;
  const notes: string[] = [];
  const outer = parseStrict(src, 'file', notes);
  if (outer.type === 'string' && typeof outer.value === 'string') {
    const innerText = outer.value;
    const inner = parseStrict(innerText, 'the JSON string inside the file (double-encoded JSON)', notes);
    const map = escapeMap(src, outer);
    return {
      root: inner,
      value: getNodeValue(inner),
      doubleEncoded: true,
      notes,
      range: (n) => {
        const start = map[Math.min(n.offset, map.length - 1)];
        const stop = map[Math.min(n.offset + n.length, map.length - 1)];
        return { offset: start + shift, length: stop - start };
      },
    };
  }
  return { root: outer, value: getNodeValue(outer), doubleEncoded: false, notes, range: (n) => ({ offset: n.offset + shift, length: n.length }) };
}

/** The value node of property `key` of an object node. */
export function prop(n: JsonNode | undefined, key: string): JsonNode | undefined {
  if (!n || n.type !== 'object' || !n.children) return undefined;
  for (const p of n.children) if (p.children && p.children[0].value === key) return p.children[1];
  return undefined;
}

export function item(n: JsonNode | undefined, i: number): JsonNode | undefined {
  return n && n.type === 'array' && n.children ? n.children[i] : undefined;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
