/**
 * Reader errors in the user's words. The ONNX reader reports a file that ends early as a protobuf
 * fact ("truncated or corrupt ModelProto at offset 3986: field 7 claims 5005891 bytes, only 3978
 * remain"); the user needs "the file ends after 3.9 KB of at least 4.8 MB: it is truncated" and what to
 * do. The technical text stays in `detail`, for the log. Pure (no vscode): test/unit/extension/errorText.test.ts.
 */
import type { WorkerError } from './workerProtocol';

/** The top-level message's length check (src/core/formats/onnx/wire.ts): a field that runs past the end. */
const CUT_FIELD = /^truncated(?: or corrupt)? ModelProto at offset \d+: field \d+ (?:claims (\d+) bytes, only (\d+) remain|needs (\d+) bytes, (\d+) remain)/;

export function sizeText(n: number): string {
  if (n < 1000) return `${n} bytes`;
  const units: [number, string][] = [[1e9, 'GB'], [1e6, 'MB'], [1e3, 'KB']];
  for (const [v, u] of units) if (n >= v) return `${(n / v).toFixed(n / v >= 100 ? 0 : 1)} ${u}`;
  return `${n} bytes`;
}

/**
 * `fileBytes`: the size of what was read (the file, or the editor's unsaved bytes). Errors that are not
 * a cut-off file come back as they are.
 */
export function userFacingError(e: WorkerError, fileBytes: number | undefined): WorkerError {
  const m = CUT_FIELD.exec(e.message);
  if (!m || fileBytes === undefined) return e;
  const claimed = Number(m[1] ?? m[3]);
  const remain = Number(m[2] ?? m[4]);
  // The field that was cut ends `claimed - remain` bytes after the end of the file: the original was at least that long.
  const atLeast = fileBytes + claimed - remain;
  return {
    ...e,
    message: `the file ends after ${sizeText(fileBytes)} of at least ${sizeText(atLeast)}: it is truncated (an interrupted download or copy?). Download or export the model again.`,
    detail: e.message,
  };
}
