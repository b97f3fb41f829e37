import { ModelError } from '../errors';

/**
 * JSON from model files (safetensors headers, index files, HF config.json) is untrusted: it is
 * refused above a size or a nesting depth before JSON.parse sees it, so a header of 10^5 nested
 * arrays is a one-line error, not a stack overflow or a slow walk.
 */
export function parseLimitedJson(text: string, what: string, maxDepth: number): unknown {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) i = stringEnd(text, i);
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) throw new ModelError(`${what} nests deeper than ${maxDepth} levels (at byte ${i})`, 'limit');
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelError(`${what} is not valid JSON (${(e as Error).message.split('\n')[0].slice(0, 200)})`);
  }
}

/** Index of the quote closing the string opened at `open`, found with native search. */
function stringEnd(text: string, open: number): number {
  for (let q = text.indexOf('"', open + 1); q >= 0; q = text.indexOf('"', q + 1)) {
    let bs = 0;
    while (text.charCodeAt(q - 1 - bs) === 0x5c) bs++;
    if (bs % 2 === 0) return q;
  }
  return text.length;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
