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
    assert.deepEqual(untested, []);
  });
});
