/**
 * Tensor dimensions: a number, or a symbolic polynomial over named dims ("batch", "sequence").
 * Shape rules need +, -, * and exact division on symbols (Reshape, Concat, attention); anything
 * non-polynomial (floor division of a symbol by a stride) becomes an opaque atom named by its
 * expression, e.g. `floor((h - 1)/2) + 1`. Binding dims happens at graph inputs, before inference, so
 * atoms never need evaluating: a fully bound model infers plain numbers throughout.
 */
export type Dim = number | SymDim;

interface Term {
  atoms: readonly string[]; // sorted, with repetition for powers
  coeff: number;
}

/**
 * Bounds on a symbolic expression: a file can make dims swell (50,000 distinct dim_params summed, a
 * max() doubling per node, a polynomial squared per level, a 4 MiB dim_param carried through every
 * node). Past a bound the dim becomes an opaque symbol (`unk__x<hash>`: equal expressions still get
 * the same symbol) and `swollenDims()` counts it for the analysis's warning.
 */
export const DIM_LIMITS = { maxTerms: 64, maxDegree: 16, maxText: 256 };

let swollen = 0;
/** How many dims became opaque since the last call (and resets the count). */
export function swollenDims(): number {
  const n = swollen;
  swollen = 0;
  return n;
}

function opaque(key: string): SymDim {
  swollen++;
  // FNV-1a over the key (bounded: it is built from bounded parts).
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return SymDim.named(`unk__x${(h >>> 0).toString(16).padStart(8, '0')}`);
}

export class SymDim {
  private memo?: string;
  private constructor(readonly terms: readonly Term[]) {}

  /** Canonical text: the identity of a symbolic dim, and its display form. */
  get text(): string {
    return (this.memo ??= formatTerms(this.terms));
  }

  toString(): string {
    return this.text;
  }

  /** Named atoms this dim depends on (for "depends on unbound dims" messages). */
  symbols(): string[] {
    const s = new Set<string>();
    for (const t of this.terms) for (const a of t.atoms) s.add(a);
    return [...s].sort();
  }

  /** An atom whose name is known to be short (no bound check). */
  static named(name: string): SymDim {
    return new SymDim([{ atoms: [name], coeff: 1 }]);
  }

  static atom(name: string): SymDim {
    if (name.length > DIM_LIMITS.maxText) return opaque(`${name.length}:${name.slice(0, 64)}:${name.slice(-64)}:${sample(name)}`);
    return new SymDim([{ atoms: [name], coeff: 1 }]);
  }

  /** Internal: build from terms, collapsing to a number when no symbol remains. */
  static fromTerms(terms: Term[]): Dim {
    const merged = new Map<string, Term>();
    for (const t of terms) {
      if (t.coeff === 0) continue;
      const key = t.atoms.join('\u0001');
      const prev = merged.get(key);
      if (prev) merged.set(key, { atoms: prev.atoms, coeff: prev.coeff + t.coeff });
      else merged.set(key, { atoms: [...t.atoms].sort(), coeff: t.coeff });
    }
    const out = [...merged.values()].filter((t) => t.coeff !== 0);
    if (out.length === 0) return 0;
    if (out.length === 1 && out[0].atoms.length === 0) return out[0].coeff;
    out.sort(compareTerms);
    if (out.length > DIM_LIMITS.maxTerms || out.some((t) => t.atoms.length > DIM_LIMITS.maxDegree)) {
      return opaque(out.map((t) => `${t.coeff}*${t.atoms.join('*')}`).join('+'));
    }
    const d = new SymDim(out);
    return d.text.length > DIM_LIMITS.maxText ? opaque(d.text) : d;
  }
}

let unknownCounter = 0;
/** A fresh symbol for a dim that the file leaves unnamed and unknown. */
export function unknownDim(): SymDim {
  unknownCounter += 1;
  return SymDim.atom(`unk__${unknownCounter}`);
}

export function isStatic(d: Dim): d is number {
  return typeof d === 'number';
}

export function sym(name: string): SymDim {
  return SymDim.atom(name);
}

function termsOf(d: Dim): Term[] {
  return typeof d === 'number' ? (d === 0 ? [] : [{ atoms: [], coeff: d }]) : [...d.terms];
}

export function dimAdd(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  return SymDim.fromTerms([...termsOf(a), ...termsOf(b)]);
}

export function dimSub(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return SymDim.fromTerms([...termsOf(a), ...termsOf(b).map((t) => ({ atoms: t.atoms, coeff: -t.coeff }))]);
}

export function dimMul(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  const out: Term[] = [];
  for (const x of termsOf(a)) for (const y of termsOf(b)) out.push({ atoms: [...x.atoms, ...y.atoms], coeff: x.coeff * y.coeff });
  return SymDim.fromTerms(out);
}

export function dimProduct(dims: readonly Dim[]): Dim {
  let p: Dim = 1;
  for (const d of dims) p = dimMul(p, d);
  return p;
}

/**
 * Exact division when it is exact (numbers, or a polynomial whose terms all divide); otherwise
 * the quotient is an opaque atom. `floor` selects floor semantics for the non-exact case.
 */
export function dimDiv(a: Dim, b: Dim, mode: 'floor' | 'ceil' = 'floor'): Dim {
  if (typeof a === 'number' && typeof b === 'number') {
    if (b === 0) throw new RangeError('division of a dimension by zero');
    return mode === 'floor' ? Math.floor(a / b) : Math.ceil(a / b);
  }
  if (typeof b === 'number') {
    if (b === 1) return a;
    const terms = termsOf(a);
    if (terms.every((t) => Number.isInteger(t.coeff / b))) return SymDim.fromTerms(terms.map((t) => ({ atoms: t.atoms, coeff: t.coeff / b })));
    return SymDim.atom(`${mode}(${wrap(a)}/${b})`);
  }
  // Symbolic divisor: exact when b is a single monomial that divides every term of a.
  const bt = termsOf(b);
  if (bt.length === 1) {
    const divisor = bt[0];
    const out: Term[] = [];
    let exact = true;
    for (const t of termsOf(a)) {
      const rest = [...t.atoms];
      for (const at of divisor.atoms) {
        const i = rest.indexOf(at);
        if (i < 0) { exact = false; break; }
        rest.splice(i, 1);
      }
      if (!exact || !Number.isInteger(t.coeff / divisor.coeff)) { exact = false; break; }
      out.push({ atoms: rest, coeff: t.coeff / divisor.coeff });
    }
    if (exact) return SymDim.fromTerms(out);
  }
  return SymDim.atom(`${mode}(${wrap(a)}/${wrap(b)})`);
}

export function dimEq(a: Dim, b: Dim): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  return a.text === b.text;
}

export function dimMax(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return Math.max(a, b);
  if (dimEq(a, b)) return a;
  if (a === 1) return b;
  if (b === 1) return a;
  return SymDim.atom(`max(${dimText(a)}, ${dimText(b)})`);
}

export function dimMin(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return Math.min(a, b);
  if (dimEq(a, b)) return a;
  return SymDim.atom(`min(${dimText(a)}, ${dimText(b)})`);
}

export function dimText(d: Dim): string {
  return typeof d === 'number' ? String(d) : d.text;
}

/** JSON form of a dim: a number, or its canonical expression text. */
export function dimJson(d: Dim): number | string {
  return typeof d === 'number' ? d : d.text;
}

export function shapeText(shape: readonly Dim[] | undefined): string {
  return shape ? `[${shape.map(dimText).join(', ')}]` : '?';
}

export function symbolsOf(dims: readonly Dim[]): string[] {
  const s = new Set<string>();
  for (const d of dims) if (typeof d !== 'number') for (const x of d.symbols()) s.add(x);
  return [...s].sort();
}

/** A cheap fingerprint of a long name: 64 characters spread over it. */
function sample(name: string): string {
  let out = '';
  const step = Math.max(1, Math.floor(name.length / 64));
  for (let i = 0; i < name.length; i += step) out += name[i];
  return out;
}

function wrap(d: Dim): string {
  const t = dimText(d);
  return /^[A-Za-z_][\w.:]*$/.test(t) || /^-?\d+$/.test(t) || /^\w+\(.*\)$/.test(t) ? t : `(${t})`;
}

function compareTerms(a: Term, b: Term): number {
  if (a.atoms.length !== b.atoms.length) return b.atoms.length - a.atoms.length;
  const ka = a.atoms.join('*');
  const kb = b.atoms.join('*');
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function formatTerms(terms: readonly Term[]): string {
  let s = '';
  for (const t of terms) {
    const mono = formatMonomial(t.atoms);
    const abs = Math.abs(t.coeff);
    const body = mono === '' ? String(abs) : abs === 1 ? mono : `${abs}*${mono}`;
    if (s === '') s = t.coeff < 0 ? `-${body}` : body;
    else s += t.coeff < 0 ? ` - ${body}` : ` + ${body}`;
  }
  return s;
}

function formatMonomial(atoms: readonly string[]): string {
  const parts: string[] = [];
  for (let i = 0; i < atoms.length; ) {
    let j = i;
    while (j < atoms.length && atoms[j] === atoms[i]) j++;
    const a = /^[A-Za-z_][\w.:]*$/.test(atoms[i]) || /^\w+\(.*\)$/.test(atoms[i]) ? atoms[i] : `(${atoms[i]})`;
    parts.push(j - i > 1 ? `${a}^${j - i}` : a);
    i = j;
  }
  return parts.join('*');
}
