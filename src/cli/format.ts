import type { Count } from '../core/analysis/types';
import { printable } from '../core/formats/modelFiles';

/** 73.7K, 115.6M, 4.1G: the compact form used in tables, lenses and the status bar. */
export function human(n: Count, digits = 1): string {
  if (typeof n === 'string') return n;
  const a = Math.abs(n);
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'K']];
  for (const [v, u] of units) if (a >= v) return `${(n / v).toFixed(digits)}${u}`;
  return String(n);
}

export function humanBytes(n: Count): string {
  if (typeof n === 'string') return `${n} B`;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** Thousands separators, as model.summary() prints them. */
export function grouped(n: Count): string {
  return typeof n === 'string' ? n : n.toLocaleString('en-US');
}

/** Renders rows as a fixed-width table; `align` per column ('l' | 'r'). */
export function table(header: string[], rawRows: string[][], align: ('l' | 'r')[]): string {
  // Cells hold names from the model file: a newline or an escape sequence in one must not break the table.
  const rows = rawRows.map((r) => r.map((c) => printable(c, 200)));
  // A loop, not Math.max(...rows): a spread of 100,000 rows overflows the stack.
  const widths = header.map((h) => h.length);
  for (const r of rows) for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i], r[i].length);
  const fmt = (r: string[]) => r.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('──');
  return [fmt(header), rule, ...rows.map(fmt), rule].join('\n');
}

/**
 * Text for the terminal: each line's control characters escaped (\xNN), so that a name from a model
 * file (a newline, ESC[2J, an OSC title) cannot forge lines or drive the terminal. JSON output needs
 * none: JSON.stringify escapes them.
 */
export function terminalText(s: string): string {
  return s.split('\n').map((l) => printable(l, Number.POSITIVE_INFINITY)).join('\n');
}
