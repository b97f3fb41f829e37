import assert from 'node:assert/strict';
import { latencyStats } from '../../../src/core/runtime/stats';
import { mulberry32, seedFor, fromHalfBits, toHalfBits } from '../../../src/core/runtime/prng';

describe('runtime: latency statistics', () => {
  it('median of an odd count is the middle run; nearest-rank p90 is the ceil(0.9·n)-th smallest', () => {
    // 10 runs 1..10: median = (5+6)/2 = 5.5; p90 rank = ceil(0.9*10) = 9 -> 9.
    const s = latencyStats([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
    assert.equal(s.medianMs, 5.5);
    assert.equal(s.p90Ms, 9);
    assert.equal(s.minMs, 1);
    assert.equal(s.maxMs, 10);
    assert.equal(s.meanMs, 5.5);
    // 3 runs: median = 2nd smallest; p90 rank = ceil(2.7) = 3 -> the largest.
    const t = latencyStats([3, 1, 2]);
    assert.equal(t.medianMs, 2);
    assert.equal(t.p90Ms, 3);
  });

  it('keeps the runs in the order they ran', () => {
    assert.deepEqual(latencyStats([3, 1, 2]).runsMs, [3, 1, 2]);
  });

  it('refuses an empty run list', () => {
    assert.throws(() => latencyStats([]), /no timed runs/);
  });
});

describe('runtime: seeded PRNG', () => {
  it('same seed, same sequence; inputs are seeded by name, not order', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    for (let i = 0; i < 5; i++) assert.equal(a(), b());
    assert.notEqual(seedFor(1, 'x'), seedFor(1, 'y'));
    assert.equal(seedFor(1, 'x'), seedFor(1, 'x'));
  });

  it('half-float bits round-trip values that half represents exactly', () => {
    // 0.5 = 0x3800, -2 = 0xc000, 1 + 2^-10 = 0x3c01 (IEEE 754 binary16).
    assert.equal(toHalfBits(0.5), 0x3800);
    assert.equal(toHalfBits(-2), 0xc000);
    assert.equal(toHalfBits(1 + 2 ** -10), 0x3c01);
    for (const x of [0.5, -2, 1 + 2 ** -10, 0]) assert.equal(fromHalfBits(toHalfBits(x)), x);
  });
});
