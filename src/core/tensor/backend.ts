import path from 'node:path';

/** Which TensorFlow.js backend does the weight math: native bindings, WebAssembly, or plain JS. */
export type TensorBackendName = 'tensorflow' | 'wasm' | 'cpu';

type Tf = typeof import('@tensorflow/tfjs');

export interface TensorBackend {
  name: TensorBackendName;
  tf: Tf;
  /** Why a faster backend was not used (e.g. tfjs-node not installed), for the log. */
  notes: string[];
}

let current: Promise<TensorBackend> | undefined;
let ready: TensorBackendName | undefined;

/**
 * Initialises TensorFlow.js once: `@tensorflow/tfjs-node` when it loads (an optional dependency with a
 * native binary), else the wasm backend with its .wasm files read from node_modules (never fetched),
 * else the cpu backend.
 */
export function tensorBackend(): Promise<TensorBackend> {
  current ??= init().then((b) => {
    ready = b.name;
    return b;
  });
  return current;
}

/** The backend in use (initialising it if needed). */
export async function tensorBackendName(): Promise<TensorBackendName> {
  return (await tensorBackend()).name;
}

/** The backend in use, or undefined while none has been initialised (for status displays). */
export function currentTensorBackend(): TensorBackendName | undefined {
  return ready;
}

async function init(): Promise<TensorBackend> {
  const notes: string[] = [];
  try {
    const tf = require('@tensorflow/tfjs-node') as Tf;
    await tf.setBackend('tensorflow');
    await tf.ready();
    if (tf.getBackend() === 'tensorflow') return { name: 'tensorflow', tf, notes };
    notes.push('tfjs-node loaded but its backend did not start');
  } catch (e) {
    notes.push(`tfjs-node unavailable: ${firstLine(e)}`);
  }
  const tf = require('@tensorflow/tfjs') as Tf;
  try {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
    wasm.setWasmPaths(dist);
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      if (tf.getBackend() === 'wasm') return { name: 'wasm', tf, notes };
    }
    notes.push('wasm backend did not start');
  } catch (e) {
    notes.push(`wasm backend unavailable: ${firstLine(e)}`);
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', tf, notes };
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}
