import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { loadModel } from '../../../src/core/formats';

/**
 * Models exported by scripts/export-reference-models.py (torch, random weights) against the torch-side
 * numbers that script computes: float initializer elements via the onnx library, MACs via forward
 * hooks, output shapes from running the model. `npm test` exports them first (scripts/test-deps.sh, into
 * .cache/reference-models); MODELLENS_REF_MODELS=DIR points elsewhere, MODELLENS_REF_MODELS=skip opts out
 * (reported as pending, by name).
 */
interface Ref {
  file: string;
  dims: Record<string, number>;
  params_onnx: number;
  /** params_onnx with exact duplicates (equal or transposed initializers, numpy's full check) counted once. */
  params_unique?: number;
  params_torch: number;
  /** Decoders exported with their KV cache: what the ONNX LLM recogniser must find. */
  llm?: Record<string, number>;
  macs: number;
  outputs: number[][];
}

const dir = process.env.MODELLENS_REF_MODELS ?? path.resolve(__dirname, '../../../.cache/reference-models');

describe('analysis vs torch reference models (scripts/export-reference-models.py)', () => {
  if (dir === 'skip') {
    it.skip('MODELLENS_REF_MODELS=skip: the torch reference architectures were NOT checked');
    return;
  }
  const refFile = path.join(dir, 'reference.json');
  it('the reference folder exists and has reference.json', () => {
    assert.ok(existsSync(refFile), `${refFile} does not exist: run bash scripts/test-deps.sh (apt python3-torch, python3-torchvision, python3-onnx; exports the models), or set MODELLENS_REF_MODELS=DIR`);
  });
  if (!existsSync(refFile)) return;
  const refs = JSON.parse(readFileSync(refFile, 'utf8')) as { models: Record<string, Ref> };
  for (const [name, ref] of Object.entries(refs.models)) {
    it(`${name}: params, MACs (0.5%), outputs, everything costed`, async function () {
      this.timeout(120000);
      const m = await loadModel(path.join(dir, ref.file));
      const a = analyzeModel(m, { dims: ref.dims });
      assert.deepEqual(a.notCosted, [], 'not costed');
      assert.equal(a.totals.params, ref.params_unique ?? ref.params_onnx, 'params (tied copies once)');
      if (ref.llm) {
        assert.ok(m.llm, 'recognised as an LLM');
        assert.deepEqual(Object.fromEntries(Object.keys(ref.llm).map((k) => [k, (m.llm as unknown as Record<string, unknown>)[k]])), ref.llm, 'LlmInfo');
      }
      assert.equal(typeof a.totals.macs, 'number', `MACs symbolic: ${a.totals.macs}`);
      const rel = Math.abs((a.totals.macs as number) - ref.macs) / ref.macs;
      assert.ok(rel <= 0.005, `MACs ${a.totals.macs} vs torch ${ref.macs} (${(100 * rel).toFixed(3)}%)`);
      assert.deepEqual(a.outputs.map((o) => o.shape), ref.outputs, 'output shapes');
    });
  }
});
