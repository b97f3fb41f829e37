import { copyFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { DeviceProfile } from '../../../src/core/runtime/types';

export const SHARED_ONNX = path.resolve(__dirname, '../../../../shared/models/onnx');
export const SHARED_KERAS = path.resolve(__dirname, '../../../../shared/models/keras');

export function tmpDir(tag: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `modellens-runtime-${tag}-`));
}

/** A fixed device profile: tests of the bench path do not pay for calibration. */
export const TEST_DEVICE: DeviceProfile = {
  macsPerSecond: 1e10,
  bytesPerSecond: 1e10,
  method: 'fixed for tests',
  cpu: 'test',
  threads: 'default',
  measuredAt: '2026-01-01T00:00:00.000Z',
};

export function copyModel(src: string, dir: string): string {
  const dst = path.join(dir, `copy-${path.basename(src)}`);
  copyFileSync(src, dst);
  return dst;
}

/**
 * A "compressed" model made by ONNX Runtime itself: its basic-level graph optimisation (constant
 * folding, Conv+BN/Add/Mul fusion, Dropout/Identity removal) written out as a portable ONNX file.
 */
export async function ortOptimizedCopy(src: string, dir: string): Promise<string> {
  const dst = path.join(dir, `ort-basic-${path.basename(src)}`);
  const s = await ort.InferenceSession.create(src, { graphOptimizationLevel: 'basic', optimizedModelFilePath: dst, logSeverityLevel: 3 });
  await s.release();
  return dst;
}
