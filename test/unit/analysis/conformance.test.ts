import assert from 'node:assert/strict';
import { countsLine, lostToOnnx, runSuite, type SuiteReport } from '../../../scripts/conformance/harness';

/**
 * ONNX's backend conformance models (Debian libonnx-testdata, installed by scripts/test-deps.sh), with
 * the declared output types stripped: ModelLens's inferred dtype and shape of every output against the
 * reference outputs, and against ONNX's own infer_shapes on the same files (python3-onnx), measured in
 * the same run. `npm run conformance -- --list unknown` lists what is left.
 */
const MIN_EXACT = 1102;

describe('ONNX conformance models (libonnx-testdata)', function () {
  this.timeout(600_000);
  let rep: SuiteReport;

  before(() => {
    rep = runSuite();
    console.log(`      ${countsLine('ModelLens', rep.modellens)}`);
    console.log(`      ${countsLine('ONNX infer_shapes', rep.onnx)}`);
  
  it('where a dim stays unknown, the dtype and the rank are still given wherever ONNX gives them', () => {
    assert.deepEqual(lostToOnnx(rep, 'dtypeKnown').map((r) => `${r.model} ${r.output}`), []);
    assert.deepEqual(lostToOnnx(rep, 'rankKnown').map((r) => `${r.model} ${r.output}`), []);
  });
});

  it('reads every model and reference output (the package is installed)', () => {
    assert.ok(rep.models >= 1000, `only ${rep.models} conformance models found`);
    assert.ok(rep.modellens.outputs >= 1200, `only ${rep.modellens.outputs} reference outputs`);
  
  it('where a dim stays unknown, the dtype and the rank are still given wherever ONNX gives them', () => {
    assert.deepEqual(lostToOnnx(rep, 'dtypeKnown').map((r) => `${r.model} ${r.output}`), []);
    assert.deepEqual(lostToOnnx(rep, 'rankKnown').map((r) => `${r.model} ${r.output}`), []);
  });
});

  it('no output is wrong, no analysis throws, no rule fails with a JavaScript error', () => {
    const bad = rep.results.filter((r) => r.verdict === 'wrong' || r.verdict === 'exception');
    assert.deepEqual(bad.map((r) => `${r.model} ${r.output}: ${r.verdict} ${r.detail ?? ''}`), []);
    assert.deepEqual(rep.ruleFailures.map((f) => `${f.model} ${f.node}: ${f.reason}`), []);
  
  it('where a dim stays unknown, the dtype and the rank are still given wherever ONNX gives them', () => {
    assert.deepEqual(lostToOnnx(rep, 'dtypeKnown').map((r) => `${r.model} ${r.output}`), []);
    assert.deepEqual(lostToOnnx(rep, 'rankKnown').map((r) => `${r.model} ${r.output}`), []);
  });
});

  it(`infers at least ${MIN_EXACT} outputs exactly, and at least as many as ONNX's own inference`, () => {
    assert.ok(rep.modellens.exact >= MIN_EXACT, countsLine('ModelLens', rep.modellens));
    assert.ok(rep.modellens.exact >= rep.onnx.exact, `${countsLine('ModelLens', rep.modellens)}; ${countsLine('ONNX', rep.onnx)}`);
  
  it('where a dim stays unknown, the dtype and the rank are still given wherever ONNX gives them', () => {
    assert.deepEqual(lostToOnnx(rep, 'dtypeKnown').map((r) => `${r.model} ${r.output}`), []);
    assert.deepEqual(lostToOnnx(rep, 'rankKnown').map((r) => `${r.model} ${r.output}`), []);
  });
});

  it('where a dim stays unknown, the dtype and the rank are still given wherever ONNX gives them', () => {
    assert.deepEqual(lostToOnnx(rep, 'dtypeKnown').map((r) => `${r.model} ${r.output}`), []);
    assert.deepEqual(lostToOnnx(rep, 'rankKnown').map((r) => `${r.model} ${r.output}`), []);
  });
});
