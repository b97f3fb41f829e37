import assert from 'node:assert/strict';
import { checkFolds, countsLine, lostToOnnx, runSuite, type SuiteReport } from '../../../scripts/conformance/harness';

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
  
  it('every output ModelLens folds equals the reference output, as the file stands and with the test inputs given as values', () => {
    const plain = checkFolds(false);
    const fed = checkFolds(true);
    console.log(`      folded: ${plain.length} outputs as the files stand, ${fed.length} with the test inputs given`);
    assert.deepEqual([...plain, ...fed].filter((f) => !f.ok).map((f) => `${f.model} ${f.output}: ${f.detail}`), []);
    // Folding is checked on many ops, not on a handful (Max/Min of 3, Mod fmod, Round, Cast, Slice, Gather...).
    assert.ok(fed.length >= 300, `only ${fed.length} outputs folded with the test inputs given`);
  });

  it('where a dim stays unknown, the dtype and the rank are still given wherever ONNX gives them', () => {
    assert.deepEqual(lostToOnnx(rep, 'dtypeKnown').map((r) => `${r.model} ${r.output}`), []);
    assert.deepEqual(lostToOnnx(rep, 'rankKnown').map((r) => `${r.model} ${r.output}`), []);
  });
});

  it('reads every model and reference output (the package is installed)', () => {
    assert.ok(rep.models >= 1000, `only ${rep.models} conformance models found`);
    assert.ok(rep.modellens.outputs >= 1200, `only ${rep.modellens.outputs} reference outputs`);
  
  it('every output ModelLens folds equals the reference output, as the file stands and with the test inputs given as values', () => {
    const plain = checkFolds(false);
    const fed = checkFolds(true);
    console.log(`      folded: ${plain.length} outputs as the files stand, ${fed.length} with the test inputs given`);
    assert.deepEqual([...plain, ...fed].filter((f) => !f.ok).map((f) => `${f.model} ${f.output}: ${f.detail}`), []);
    // Folding is checked on many ops, not on a handful (Max/Min of 3, Mod fmod, Round, Cast, Slice, Gather...).
    assert.ok(fed.length >= 300, `only ${fed.length} outputs folded with the test inputs given`);
  });

  it('where a dim stays unknown, the dtype and the rank are still given wherever ONNX gives them', () => {
    assert.deepEqual(lostToOnnx(rep, 'dtypeKnown').map((r) => `${r.model} ${r.output}`), []);
    assert.deepEqual(lostToOnnx(rep, 'rankKnown').map((r) => `${r.model} ${r.output}`), []);
  });
});

  it('no output is wrong, no analysis throws, no rule fails with a JavaScript error', () => {
    const bad = rep.results.filter((r) => r.verdict === 'wrong' || r.verdict === 'exception');
    assert.deepEqual(bad.map((r) => `${r.model} ${r.output}: ${r.verdict} ${r.detail ?? ''}`), []);
    assert.deepEqual(rep.ruleFailures.map((f) => `${f.model} ${f.node}: ${f.reason}`), []);
  
  it('every output ModelLens folds equals the reference output, as the file stands and with the test inputs given as values', () => {
    const plain = checkFolds(false);
    const fed = checkFolds(true);
    console.log(`      folded: ${plain.length} outputs as the files stand, ${fed.length} with the test inputs given`);
    assert.deepEqual([...plain, ...fed].filter((f) => !f.ok).map((f) => `${f.model} ${f.output}: ${f.detail}`), []);
    // Folding is checked on many ops, not on a handful (Max/Min of 3, Mod fmod, Round, Cast, Slice, Gather...).
    assert.ok(fed.length >= 300, `only ${fed.length} outputs folded with the test inputs given`);
  });

  it('where a dim stays unknown, the dtype and the rank are still given wherever ONNX gives them', () => {
    assert.deepEqual(lostToOnnx(rep, 'dtypeKnown').map((r) => `${r.model} ${r.output}`), []);
    assert.deepEqual(lostToOnnx(rep, 'rankKnown').map((r) => `${r.model} ${r.output}`), []);
  });
});

  it(`infers at least ${MIN_EXACT} outputs exactly, and at least as many as ONNX's own inference`, () => {
    assert.ok(rep.modellens.exact >= MIN_EXACT, countsLine('ModelLens', rep.modellens));
    assert.ok(rep.modellens.exact >= rep.onnx.exact, `${countsLine('ModelLens', rep.modellens)}; ${countsLine('ONNX', rep.onnx)}`);
  
  it('every output ModelLens folds equals the reference output, as the file stands and with the test inputs given as values', () => {
    const plain = checkFolds(false);
    const fed = checkFolds(true);
    console.log(`      folded: ${plain.length} outputs as the files stand, ${fed.length} with the test inputs given`);
    assert.deepEqual([...plain, ...fed].filter((f) => !f.ok).map((f) => `${f.model} ${f.output}: ${f.detail}`), []);
    // Folding is checked on many ops, not on a handful (Max/Min of 3, Mod fmod, Round, Cast, Slice, Gather...).
    assert.ok(fed.length >= 300, `only ${fed.length} outputs folded with the test inputs given`);
  });

  it('where a dim stays unknown, the dtype and the rank are still given wherever ONNX gives them', () => {
    assert.deepEqual(lostToOnnx(rep, 'dtypeKnown').map((r) => `${r.model} ${r.output}`), []);
    assert.deepEqual(lostToOnnx(rep, 'rankKnown').map((r) => `${r.model} ${r.output}`), []);
  });
});

  it('every output ModelLens folds equals the reference output, as the file stands and with the test inputs given as values', () => {
    const plain = checkFolds(false);
    const fed = checkFolds(true);
    console.log(`      folded: ${plain.length} outputs as the files stand, ${fed.length} with the test inputs given`);
    assert.deepEqual([...plain, ...fed].filter((f) => !f.ok).map((f) => `${f.model} ${f.output}: ${f.detail}`), []);
    // Folding is checked on many ops, not on a handful (Max/Min of 3, Mod fmod, Round, Cast, Slice, Gather...).
    assert.ok(fed.length >= 300, `only ${fed.length} outputs folded with the test inputs given`);
  });

  it('where a dim stays unknown, the dtype and the rank are still given wherever ONNX gives them', () => {
    assert.deepEqual(lostToOnnx(rep, 'dtypeKnown').map((r) => `${r.model} ${r.output}`), []);
    assert.deepEqual(lostToOnnx(rep, 'rankKnown').map((r) => `${r.model} ${r.output}`), []);
  });
});
