/**
 * Tables keyed by names that come from model files (op types, domains, Keras class names, attribute
 * names, metadata keys, dtypes) are null-prototype objects: a name such as `__proto__`, `constructor`
 * or `toString` then finds nothing instead of an Object.prototype member, and a tally keyed by it
 * (`t[name] ??= {...}; t[name].count++`) writes an own entry instead of polluting every object of the
 * process. Maps serve where order or non-string keys matter.
 */

/** A lookup table (constant, written in the code) with no prototype. */
export function table<T>(entries: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

/** An empty null-prototype record, for tallies and records keyed by names from a file. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * A plain object with the same own entries (a key `__proto__` stays an own data property): what leaves
 * the core (Model, Analysis) is plain data that compares and serialises like any object; lookups in it
 * by names from a file go through `own`.
 */
export function plain<T>(d: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(d));
}

/** `obj[key]` when `key` is an own property (objects from JSON.parse or of plain literals). */
export function own<T>(obj: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return obj !== undefined && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}
