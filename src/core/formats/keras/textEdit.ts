// Minimal text edits on a JSON document in the file's own style (indent unit, separators), so that
// an edit of a few layers leaves every other byte of the user's file as it was.
import type { JsonNode } from './json';

/** Replace `length` characters at `offset` by `content` (the shape of a vscode TextEdit / jsonc-parser Edit). */
export interface TextEdit {
  offset: number;
  length: number;
  content: string;
}

/** Applies non-overlapping edits (any order) to the text. */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  let out = '';
  let last = 0;
  for (const e of sorted) {
    if (e.offset < last) throw new Error(`overlapping text edits at offset ${e.offset}`);
    out += text.slice(last, e.offset) + e.content;
    last = e.offset + e.length;
  }
  return out + text.slice(last);
}

/**
 * Sorted, non-overlapping edits: overlapping pure deletions (two neighbouring removed array items)
 * merge into one; any other overlap is a bug in the caller and throws.
 */
export function normaliseEdits(edits: readonly TextEdit[]): TextEdit[] {
  const sorted = [...edits].sort((a, b) => a.offset - b.offset || a.length - b.length);
  const out: TextEdit[] = [];
  for (const e of sorted) {
    const prev = out[out.length - 1];
    if (prev && e.offset < prev.offset + prev.length) {
      if (prev.content !== '' || e.content !== '') throw new Error(`overlapping text edits at offset ${e.offset}`);
      prev.length = Math.max(prev.length, e.offset + e.length - prev.offset);
      continue;
    }
    out.push({ ...e });
  }
  return out;
}

/** Text copied verbatim from the file (keeps 1.0 as 1.0, key order, nested formatting). */
export class Raw {
  constructor(readonly text: string) {}
}

export interface JsonStyle {
  /** Indent unit ('' = minified, on one line). */
  unit: string;
  eol: string;
  /** What follows ':' and ',' in minified text (Python writes ', ' and ': ', JSON.stringify nothing). */
  keySep: string;
  itemSep: string;
}

export function detectStyle(text: string): JsonStyle {
  const m = /\r?\n([ \t]+)\S/.exec(text);
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  if (m) return { unit: m[1], eol, keySep: /"\s*:( ?)/.exec(text)?.[1] === ' ' ? ': ' : ':', itemSep: ',' };
  return { unit: '', eol, keySep: /"\s*:( ?)/.exec(text)?.[1] === ' ' ? ': ' : ':', itemSep: /,( ?)["[{\d-ntf]/.exec(text)?.[1] === ' ' ? ', ' : ',' };
}

/** Leading whitespace of the line holding `offset`: the indent a value written there continues from. */
export function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start, offset))![0];
}

/** A value in the file's style; nested lines are indented from `indent` (the current line's). */
export function serialize(v: unknown, style: JsonStyle, indent: string): string {
  if (v instanceof Raw) return v.text;
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const entries = Array.isArray(v) ? v.map((x) => serialize(x, style, indent + style.unit)) : Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}${style.keySep}${serialize(x, style, indent + style.unit)}`);
  const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return open + close;
  if (!style.unit) return open + entries.join(style.itemSep) + close;
  const inner = indent + style.unit;
  return `${open}${style.eol}${inner}${entries.join(`,${style.eol}${inner}`)}${style.eol}${indent}${close}`;
}

/** The separator between two items of the array/object that holds `child` (", " or ",\n   "). */
export function separatorAt(text: string, style: JsonStyle, child: JsonNode): string {
  return style.unit ? `,${style.eol}${lineIndent(text, child.offset)}` : style.itemSep;
}

/** Removes child i of an array or object node together with one separator. */
export function removeChild(parent: JsonNode, i: number): TextEdit {
  const cs = parent.children!;
  const c = cs[i];
  if (i + 1 < cs.length) return { offset: c.offset, length: cs[i + 1].offset - c.offset, content: '' };
  if (i > 0) {
    const end = cs[i - 1].offset + cs[i - 1].length;
    return { offset: end, length: c.offset + c.length - end, content: '' };
  }
  // The only child: leave the brackets (and whatever whitespace they hold) empty.
  return { offset: c.offset, length: c.length, content: '' };
}

export function replaceValue(text: string, style: JsonStyle, node: JsonNode, v: unknown): TextEdit {
  return { offset: node.offset, length: node.length, content: serialize(v, style, lineIndent(text, node.offset)) };
}

/** The property node (key + value) of `key` in an object node, with its index. */
export function propertyOf(obj: JsonNode | undefined, key: string): { prop: JsonNode; value: JsonNode; index: number } | undefined {
  if (!obj || obj.type !== 'object' || !obj.children) return undefined;
  const index = obj.children.findIndex((p) => p.children?.[0].value === key);
  if (index < 0) return undefined;
  const prop = obj.children[index];
  return { prop, value: prop.children![1], index };
}

/** Adds `"key": value` as the last property of an object node (which has at least one). */
export function addProperty(text: string, style: JsonStyle, obj: JsonNode, key: string, v: unknown): TextEdit {
  const cs = obj.children!;
  const last = cs[cs.length - 1];
  const end = last.offset + last.length;
  return { offset: end, length: 0, content: `${separatorAt(text, style, last)}${JSON.stringify(key)}${style.keySep}${serialize(v, style, lineIndent(text, last.offset))}` };
}

/** The edits that turn applyTextEdits(text, edits) back into `text` (undo, byte for byte). */
export function invertTextEdits(text: string, edits: readonly TextEdit[]): TextEdit[] {
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  let moved = 0;
  return sorted.map((e) => {
    const inv = { offset: e.offset + moved, length: e.content.length, content: text.slice(e.offset, e.offset + e.length) };
    moved += e.content.length - e.length;
    return inv;
  });
}
