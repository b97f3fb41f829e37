/**
 * npm run conformance [-- --list wrong|unknown|exception|exact] [--onnx]
 * Prints ModelLens's and ONNX's infer_shapes counts on the ONNX conformance models (libonnx-testdata),
 * both with the declared output types stripped; --list prints the outputs with that verdict (--onnx: ONNX's).
 */
import { checkFolds, countsLine, lostToOnnx, runSuite } from './harness';

const args = process.argv.slice(2);
const list = args.includes('--list') ? args[args.indexOf('--list') + 1] : undefined;
const rep = runSuite();
console.log(`${rep.models} conformance models`);
console.log(countsLine('ModelLens', rep.modellens));
console.log(countsLine('ONNX infer_shapes(strict_mode=False, data_prop=True)', rep.onnx));
const both = rep.results.filter((r, i) => r.verdict === 'exact' && rep.onnxResults[i]?.verdict === 'exact').length;
const onlyUs = rep.results.filter((r, i) => r.verdict === 'exact' && rep.onnxResults[i]?.verdict !== 'exact').length;
const onlyOnnx = rep.results.filter((r, i) => r.verdict !== 'exact' && rep.onnxResults[i]?.verdict === 'exact').length;
console.log(`exact in both ${both}; only ModelLens ${onlyUs}; only ONNX ${onlyOnnx}`);
const lostRank = lostToOnnx(rep, 'rankKnown').length;
const lostDtype = lostToOnnx(rep, 'dtypeKnown').length;
console.log(`unknown outputs where ONNX gives the rank and ModelLens does not: ${lostRank}; the dtype: ${lostDtype}`);
console.log(`rule failures (JavaScript errors inside rules): ${rep.ruleFailures.length}`);
console.log(`outputs whose declared type in the file disagrees with the reference: ${rep.declaredWrong.length}`);
if (list) {
  const src = args.includes('--onnx') ? rep.onnxResults : rep.results;
  for (const [i, r] of src.entries()) {
    if (r.verdict !== list && !(list === 'onlyonnx' && r.verdict !== 'exact' && rep.onnxResults[i]?.verdict === 'exact')) continue;
    console.log(`  ${r.model} ${r.output}: ${r.verdict}${r.verdict === 'unknown' ? ` (dtype ${r.dtypeKnown ? 'given' : 'missing'}, rank ${r.rankKnown ? 'given' : 'missing'})` : ''}${r.detail ? ` ${r.detail}` : ''}`);
  }
  if (list === 'failures') for (const f of rep.ruleFailures) console.log(`  ${f.model} ${f.node}: ${f.reason}`);
  if (list === 'declared') for (const f of rep.declaredWrong) console.log(`  ${f.model} ${f.output}: ${f.detail}`);
}
if (list === 'lostrank') for (const r of lostToOnnx(rep, 'rankKnown')) console.log(`  ${r.model} ${r.output}`);
const folds = checkFolds();
console.log(`outputs ModelLens folds to values: ${folds.length}, equal to the reference: ${folds.filter((f) => f.ok).length}`);
const fed = checkFolds(true);
console.log(`with the test inputs given as values: ${fed.length} folded, equal to the reference: ${fed.filter((f) => f.ok).length}`);
if (list === 'folds') for (const f of [...folds, ...fed]) if (!f.ok) console.log(`  ${f.model} ${f.output}: ${f.detail}`);
