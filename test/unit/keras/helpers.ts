import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import type { Analysis } from '../../../src/core/analysis/types';
import { parseJsonDocument } from '../../../src/core/formats/keras/json';
import { readKerasJsonText } from '../../../src/core/formats/keras/reader';
import { readDocument, type KModel } from '../../../src/core/formats/keras/topology';
import type { Model } from '../../../src/core/ir/graph';
import { passByName } from '../../../src/core/passes/registry';
import type { Suggestion } from '../../../src/core/passes/types';

export const KERAS_DIR = path.resolve(__dirname, '../../../../shared/models/keras');

export function sharedFile(name: string): string {
  const f = path.join(KERAS_DIR, name);
  if (!fs.existsSync(f)) throw new Error(`shared test file missing: ${f}`);
  return f;
}

export function readShared(name: string): { text: string; file: string } {
  const file = sharedFile(name);
  return { text: fs.readFileSync(file, 'utf8'), file };
}

export function kmodelOf(text: string): KModel {
  return readDocument(parseJsonDocument(text)).model;
}

export function modelOf(text: string, file = '/virtual/model.json'): Model {
  return readKerasJsonText(text, file);
}

export function analyzeText(text: string, file = '/virtual/model.json'): Analysis {
  return analyzeModel(modelOf(text, file));
}

/** Shape with symbolic dims as null, the way tfjs reports unknown dims. */
export function asTfjsShape(s: (number | string)[] | null): (number | null)[] | null {
  return s ? s.map((d) => (typeof d === 'number' ? d : null)) : null;
}

/** The pass's suggestion for `layer` (else its first) on a model read from `file`; fails the test when there is none. */
export async function suggestionOn(model: Model, file: string, pass: string, layer?: string): Promise<Suggestion> {
  const found = await passByName(pass)!.find(model, analyzeModel(model));
  const s = layer ? found.find((x) => x.layers.includes(layer)) : found[0];
  assert.ok(s, `${pass} has a suggestion${layer ? ` for ${layer}` : ''} in ${path.basename(file)}`);
  return s;
}
