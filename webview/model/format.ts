import type { Count } from '../../src/core/analysis/types';

/** 1234567 -> "1.23M"; symbolic counts are shown as their expression. */
export function human(n: Count, digits = 3): string {
  if (typeof n === 'string') return n;
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'K']];
  for (const [v, u] of units) if (a >= v) return `${trim((n / v).toPrecision(digits))}${u}`;
  return Number.isInteger(n) ? String(n) : trim(n.toPrecision(digits));
}

export function bytes(n: Count): string {
  if (typeof n === 'string') return `${n} B`;
  const a = Math.abs(n);
  const units: [number, string][] = [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
  // toPrecision(3) of 1000..1023.x is "1.00e+3": whole units there.
  for (const [v, u] of units) if (a >= v) return `${a / v >= 1000 ? (n / v).toFixed(0) : trim((n / v).toPrecision(3))} ${u}`;
  return `${n} B`;
}

export function grouped(n: Count): string {
  if (typeof n === 'string') return n;
  return n.toLocaleString('en-US');
}

export function percent(part: number, whole: number): string {
  if (!(whole > 0)) return '';
  // Zero is 0, not "<0.1%" (a layer without weights, a pass that leaves MACs unchanged).
  if (part === 0) return '0%';
  const p = (100 * part) / whole;
  return p >= 10 ? `${p.toFixed(0)}%` : p >= 0.1 ? `${p.toFixed(1)}%` : '<0.1%';
}

export function shapeText(shape: (number | string)[] | null): string {
  return shape === null ? '[?]' : `[${shape.join(', ')}]`;
}

function trim(s: string): string {
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
}

export function countValue(c: Count): number | undefined {
  return typeof c === 'number' && Number.isFinite(c) ? c : undefined;
}
