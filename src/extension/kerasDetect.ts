/**
 * Recognises a Keras (or TensorFlow.js layers) model by the content of a JSON text, not by its file
 * name: lenses must appear on `model.json`, `config.json` and any name a repository chose. Cheap: it
 * looks at a prefix only, because it runs on the extension host for every JSON document opened.
 */
const PREFIX = 256 * 1024;

export function looksLikeKerasJson(text: string): boolean {
  const head = text.length > PREFIX ? text.slice(0, PREFIX) : text;
  const t = head.replace(/^\uFEFF/, '').trimStart();
  if (!t.startsWith('{') && !t.startsWith('"')) return false;
  // Double-encoded JSON (a JSON string holding the model JSON) escapes its quotes.
  const q = t.startsWith('"') ? '\\\\?"' : '"';
  const key = (k: string) => new RegExp(`${q}${k}${q}\\s*:`);
  if (key('modelTopology').test(t) && key('class_name').test(t)) return true; // tfjs model.json
  if (!key('class_name').test(t) || !key('config').test(t)) return false;
  // A Keras model (Sequential/Functional/Model or a Keras 3 module entry) carries layers, or is a
  // versioned Keras save; plain JSON that happens to have class_name/config (e.g. a tokenizer) is not.
  return key('layers').test(t) || key('keras_version').test(t) || /"module"\s*:\s*"keras/.test(t);
}
