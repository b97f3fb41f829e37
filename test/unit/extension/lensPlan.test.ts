import assert from 'node:assert/strict';
import { planLenses } from '../../../src/extension/lensPlan';

describe('Keras JSON lens placement', () => {
  it('one-line (minified) JSON: one Format Document lens and one "hints in the graph" lens, not a pile on line 1', () => {
    const layers = Array.from({ length: 20 }, (_, i) => ({ id: `l${i}`, line: 0 }));
    const hints = [
      { id: 'low-rank:l3', line: 0, modelWide: false },
      { id: 'dwsep:l5', line: 0, modelWide: false },
      { id: 'dwsep:l6', line: 0, modelWide: false },
      { id: 'dwsep:l7', line: 0, modelWide: false },
      { id: 'cluster', line: 0, modelWide: true },
    ];
    assert.deepEqual(planLenses(layers, hints), [
      { kind: 'format', line: 0, layers: 20 },
      { kind: 'hint', line: 0, hintId: 'cluster' },
      { kind: 'hintsInGraph', line: 0, hints: 4 },
    ]);
  });

  it('formatted JSON: a lens per layer on its line, hints on their layer\'s line, a model-wide hint once on line 0', () => {
    const layers = [{ id: 'a', line: 10 }, { id: 'b', line: 30 }, { id: 'c', line: 50 }];
    const hints = [
      { id: 'int8', line: 10, modelWide: true },
      { id: 'low-rank:b', line: 30, modelWide: false },
      { id: 'prune:b', line: 30, modelWide: false },
      { id: 'nowhere', line: undefined, modelWide: false },
    ];
    assert.deepEqual(planLenses(layers, hints), [
      { kind: 'hint', line: 0, hintId: 'int8' },
      { kind: 'layer', line: 10, layerId: 'a' },
      { kind: 'layer', line: 30, layerId: 'b' },
      { kind: 'layer', line: 50, layerId: 'c' },
      { kind: 'hint', line: 30, hintId: 'low-rank:b' },
      { kind: 'hint', line: 30, hintId: 'prune:b' },
    ]);
  });

  it('two layers on a line still get their own lenses (a compact but readable file)', () => {
    const slots = planLenses([{ id: 'a', line: 3 }, { id: 'b', line: 3 }], []);
    assert.deepEqual(slots.map((s) => s.kind), ['layer', 'layer']);
  });
});
