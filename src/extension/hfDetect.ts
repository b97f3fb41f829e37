/**
 * Recognises a Hugging Face transformers `config.json` by its content: a top-level `model_type` or
 * `architectures` key, and none of Keras's markers (a Keras `config.json` from a .keras archive has
 * `class_name`). Cheap and on the host, like kerasDetect.ts: it runs for every JSON document opened.
 * The file must be named config.json: that is how transformers and the checkpoint reader find it.
 */
import { looksLikeKerasJson } from './kerasDetect';

const PREFIX = 256 * 1024;

export function looksLikeHfConfig(fileName: string, text: string): boolean {
  if (!/(^|[\\/])config\.json$/i.test(fileName)) return false;
  const t = (text.length > PREFIX ? text.slice(0, PREFIX) : text).replace(/^\uFEFF/, '').trimStart();
  if (!t.startsWith('{')) return false;
  if (looksLikeKerasJson(t)) return false;
  return /"(model_type|architectures)"\s*:/.test(t);
}
