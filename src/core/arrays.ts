/**
 * `dst.push(...src)` and `Math.max(...xs)` pass every element as a call argument: past ~100,000
 * elements (warnings of 100,000 unknown layers, 200,000 subgraphs of one attribute) they overflow the
 * stack. Counts that come from a model file go through these loops instead.
 */
export function pushAll<T>(dst: T[], src: Iterable<T>): T[] {
  for (const x of src) dst.push(x);
  return dst;
}

/** The largest of `xs` (-Infinity for none), like Math.max(...xs) without the spread. */
export function maxOf(xs: Iterable<number>): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const x of xs) if (x > m || Number.isNaN(x)) m = x;
  return m;
}
