import assert from 'node:assert/strict';
import { opRows, opTable, readmeTable } from '../../../scripts/conformance/op-table';

/** The README's operator table is generated from the rule tables: it must be current, and every op in it tested. */
describe('README operator table (scripts/conformance/op-table.ts)', function () {
  this.timeout(300_000);
  const rows = opRows();

  it('is current: regenerate with node --import tsx scripts/conformance/op-table.ts --write', () => {
    assert.equal(readmeTable(), opTable(rows));
  });

  it('every op in it is exercised by a conformance model or named by a unit test', () => {
    const untested = rows.filter((r) => r.models === 0 && r.tests.length === 0).map((r) => `${r.domain}.${r.op}`);
    // The LLM-operator work (issue 15's com.microsoft / opset-23 part, a separate branch) rewrites and tests
    // these rules; listed here so that the gap is visible, and to be removed when that branch lands.
    const llmBranch = ['ai.onnx.RMSNormalization', 'ai.onnx.RotaryEmbedding', 'ai.onnx.SimplifiedLayerNormalization', 'ai.onnx.SkipSimplifiedLayerNormalization'];
    assert.deepEqual(untested.filter((o) => !llmBranch.includes(o)), []);
  });
});
