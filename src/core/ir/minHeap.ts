/** A binary min-heap of numbers (node or call indices): topological orders that keep file order. */
export class MinHeap {
  private readonly a: number[] = [];

  constructor(items: Iterable<number> = []) {
    for (const v of items) this.push(v);
  }

  get size(): number {
    return this.a.length;
  }

  push(v: number): void {
    const a = this.a;
    a.push(v);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (a[p] <= a[i]) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }

  /** The smallest value (undefined behaviour on an empty heap: check size first). */
  pop(): number {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (l + 1 < a.length && a[l + 1] < a[m]) m = l + 1;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}
