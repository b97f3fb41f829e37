import assert from 'node:assert/strict';
import { findMotifs } from '../../../src/core/motifs/index';
import { ancestorsOf, autoExpanded, buildHierarchy, COLLAPSED_BUDGET, SMALL_GRAPH, visibleGraph } from '../../../webview/model/collapse';
import { buildGraphModel, displayName, type GNode } from '../../../webview/model/graphModel';
import { syntheticTransformer } from '../../webview/synthetic';
import { analysisOf } from './build';

const all = (_: GNode): boolean => true;

describe('webview collapse', () => {
  it('groups layers by scope, merges single-child chains and drops one-layer groups', () => {
    const a = analysisOf([
      ['s1', 'Conv', ['x'], ['a'], 1, { scope: ['model', 'stem'] }],
      ['s2', 'Relu', ['a'], ['b'], 0, { scope: ['model', 'stem'] }],
      ['h', 'Gemm', ['b'], ['c'], 1, { scope: ['head'] }],
      ['out', 'Softmax', ['c'], ['d']],
    ], { outputs: ['d'] });
    const m = buildGraphModel(a);
    const h = buildHierarchy(m, [], all);
    // model -> stem is one chain: one group labelled "model/stem"; "head" holds one layer: no group.
    assert.deepEqual([...h.groups.values()].map((g) => g.label), ['model/stem']);
    const g = [...h.groups.values()][0];
    assert.deepEqual(g.members.sort(), ['s1', 's2']);
    assert.equal(h.groupOf.get('h'), undefined);
  });

  it('marks sibling scopes with the same op sequence as one repeated block', () => {
    const rows: Parameters<typeof analysisOf>[0] = [];
    let prev = 'x';
    for (let i = 0; i < 3; i++) {
      const sc = ['enc', `layer.${i}`];
      rows.push([`l${i}a`, 'MatMul', [prev], [`t${i}a`], 4, { scope: sc }], [`l${i}b`, 'Relu', [`t${i}a`], [`t${i}b`], 0, { scope: sc }],
        [`l${i}c`, 'MatMul', [`t${i}b`], [`t${i}c`], 4, { scope: sc }], [`l${i}d`, 'Add', [prev, `t${i}c`], [`t${i}d`], 0, { scope: sc }]);
      prev = `t${i}d`;
    }
    rows.push(['odd', 'Tanh', [prev], ['y'], 0, { scope: ['enc', 'final'] }], ['odd2', 'Tanh', ['y'], ['z'], 0, { scope: ['enc', 'final'] }]);
    const h = buildHierarchy(buildGraphModel(analysisOf(rows)), [], all);
    for (let i = 0; i < 3; i++) assert.deepEqual(h.groups.get(`g:enc/layer.${i}`)?.repeat, { index: i, count: 3 });
    assert.equal(h.groups.get('g:enc/final')?.repeat, undefined);
  });

  it('shows small graphs fully expanded', () => {
    const a = syntheticTransformer({ blocks: 2 });
    assert.ok(a.layers.length <= SMALL_GRAPH);
    const m = buildGraphModel(a);
    const h = buildHierarchy(m, [], all);
    const vg = visibleGraph(m, h, autoExpanded(h, m.nodes.length), all);
    assert.equal(vg.nodes.filter((n) => n.kind === 'node' && n.node?.kind === 'layer').length, a.layers.length);
  });

  it('a 12-layer transformer opens as 12 identical closed blocks', () => {
    const a = syntheticTransformer({ blocks: 12 });
    assert.ok(a.layers.length > SMALL_GRAPH);
    const m = buildGraphModel(a);
    const h = buildHierarchy(m, findMotifs(a), all);
    const vg = visibleGraph(m, h, autoExpanded(h, m.nodes.length), all);
    const blocks = vg.nodes.filter((n) => n.kind === 'group' && n.group?.repeat?.count === 12);
    assert.equal(blocks.length, 12);
    assert.ok(vg.nodes.length <= COLLAPSED_BUDGET);
    // No layer of the encoder is drawn by itself.
    assert.ok(!vg.nodes.some((n) => n.kind === 'node' && n.node?.scope[0] === 'encoder'));
    // Edges join consecutive blocks once each, with no self-loops.
    for (let i = 0; i + 1 < 12; i++) {
      const e = vg.edges.filter((x) => x.from === `g:encoder/layers.${i}` && x.to === `g:encoder/layers.${i + 1}`);
      assert.equal(e.length, 1, `layers.${i} -> layers.${i + 1}`);
    }
    assert.ok(vg.edges.every((e) => e.from !== e.to));
  });

  it('a 12,000-layer graph opens collapsed within the budget', () => {
    const a = syntheticTransformer({ blocks: 50, stages: 8 });
    assert.ok(a.layers.length >= 10000);
    const m = buildGraphModel(a);
    const h = buildHierarchy(m, [], all);
    const vg = visibleGraph(m, h, autoExpanded(h, m.nodes.length), all);
    assert.ok(vg.nodes.length <= COLLAPSED_BUDGET, `${vg.nodes.length} visible`);
    assert.equal(vg.nodes.filter((n) => n.group?.repeat?.count === 8).length, 8);
    // Every layer is represented by exactly one visible item.
    assert.equal([...vg.rep.keys()].length, m.nodes.length);
  });

  it('opening the ancestors of a layer shows it by itself', () => {
    const a = syntheticTransformer({ blocks: 12 });
    const m = buildGraphModel(a);
    const h = buildHierarchy(m, [], all);
    const open = autoExpanded(h, m.nodes.length);
    const target = a.layers.find((l) => l.scope?.join('/') === 'encoder/layers.5/ffn/fc1' && l.type === 'MatMul')!;
    for (const g of ancestorsOf(h, target.id)) open.add(g);
    const vg = visibleGraph(m, h, open, all);
    assert.equal(vg.rep.get(target.id), target.id);
  });

  it('hides shape-only layers when asked, and their edges with them', () => {
    const a = analysisOf([
      ['shape', 'Shape', ['x'], ['s']],
      ['r', 'Reshape', ['x', 's'], ['y']],
    ], { outputs: ['y'], dtypes: { s: 'int64' } });
    const m = buildGraphModel(a);
    assert.equal(m.byId.get('shape')!.aux, true);
    assert.equal(m.byId.get('r')!.aux, false);
    const inc = (n: GNode) => !n.aux;
    const h = buildHierarchy(m, [], inc);
    const vg = visibleGraph(m, h, new Set(), inc);
    assert.deepEqual(vg.nodes.map((n) => n.id).filter((id) => !id.startsWith('\u0001')), ['r']);
    assert.ok(vg.edges.every((e) => e.from !== 'shape'));
  });

  it('names layers by their innermost scope when the last name part repeats the op', () => {
    assert.equal(displayName({ name: '/encoder/layers.0/linear1/MatMul', type: 'MatMul' }), 'layers.0/linear1');
    assert.equal(displayName({ name: '/features/features.1/Add_3', type: 'Add' }), 'features.1');
    assert.equal(displayName({ name: '/features/features.1/block/block.0/block.0.0/Conv', type: 'Conv' }), 'features.1/block.0.0');
    assert.equal(displayName({ name: 'conv2d_1', type: 'Conv2D' }), 'conv2d_1');
    assert.equal(displayName({ name: 'Conv', type: 'Conv' }), '');
  });
});
