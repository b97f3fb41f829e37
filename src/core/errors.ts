/**
 * An error about the input (a file that cannot be read as a model), as opposed to a bug. Its message
 * is one line that names the problem; the CLI prints it as `error: FILE: message` and the extension
 * shows it as a diagnostic.
 */
export class ModelError extends Error {
  constructor(message: string, readonly code: ModelErrorCode = 'invalid') {
    super(message);
    this.name = 'ModelError';
  }
}

export type ModelErrorCode =
  | 'invalid' // not a model of any supported format, or corrupt
  | 'unsupported' // a valid file using something ModelLens does not handle
  | 'limit' // a size or count limit was exceeded
  | 'io'; // the file (or its external data) cannot be read

export function isModelError(e: unknown): e is ModelError {
  return e instanceof ModelError;
}
