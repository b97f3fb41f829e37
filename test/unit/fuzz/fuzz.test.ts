// A CI-sized fuzz run (npm run fuzz runs larger ones): mutated shared models through the core and the
// CLI with a time limit; every outcome must be an analysis or a one-line ModelError.
import assert from 'node:assert/strict';
import { runFuzz } from '../../../scripts/fuzz/run';

describe('fuzzing the readers (scripts/fuzz)', () => {
  it('400 mutated models, seed 7: 0 crashes, 0 hangs, some clean errors and some analyses', async function () {
    this.timeout(600_000);
    const s = await runFuzz({ cases: 400, seed: 7, large: false, cliEvery: 50, timeoutMs: 20_000 });
    console.log(`      ${s.line}`);
    const detail = [...s.crashes.map((c) => `crash ${c.id} (${c.via}) ${c.label}: ${c.message}`), ...s.hangs.map((h) => `hang ${h.id} (${h.via}) ${h.label}`)].join('\n');
    assert.equal(s.crashes.length + s.hangs.length, 0, detail);
    assert.equal(s.cases, 400);
    assert.equal(s.clean + s.analysed, 400);
    assert.ok(s.clean > 0 && s.analysed > 0, s.line);
    assert.ok(s.cliRuns >= 8, `only ${s.cliRuns} cases went through the CLI`);
  });
});
