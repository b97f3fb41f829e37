import assert from 'node:assert/strict';
import { parseHostMessage, parseViewState, parseWebviewMessage, PROTOCOL_VERSION, type HostToWebview, type PreviewView, type WebviewToHost } from '../../../webview/protocol';
import { syntheticTransformer } from '../../webview/synthetic';
import { analysisOf } from './build';

const PREVIEW: PreviewView = {
  hintId: 'low-rank:fc', pass: 'low-rank', title: 'Factorise fc', kind: 'approximate',
  knobs: [{ name: 'ratio', label: 'rank / min(m, n)', min: 0.01, max: 1, step: 0.01, value: 0.25 }],
  before: { params: 100, macs: 100, flops: 200, weightBytes: 400 },
  after: { params: 50, macs: '50*batch', flops: 100, weightBytes: 200 },
  nodes: [
    { id: 'fc', name: 'fc', type: 'Gemm', status: 'removed', params: 100, macs: 100, from: [] },
    { id: 'fc_a', name: 'fc_a', type: 'Gemm', status: 'added', params: 25, macs: 25, from: ['x'] },
    { id: 'x', name: 'x', type: 'Relu', status: 'context', params: 0, macs: 0, from: [] },
    { id: 'y', name: 'y', type: 'Conv', status: 'changed', params: 5, macs: 5, paramsBefore: 9, macsBefore: 9, from: ['fc_a'] },
  ],
  omitted: 0, error: 0.03, applyDisabled: 'Restricted Mode',
};

describe('webview protocol', () => {
  const analysis = analysisOf([['a', 'Conv', ['x', 'w'], ['y'], 10]], { outputs: ['y'] });

  it('accepts every host->webview message type', () => {
    const msgs: HostToWebview[] = [
      { type: 'analysis', analysis, motifs: [{ id: 'residual:a', kind: 'residual', label: 'residual', layers: ['a'], anchor: 'a' }],
        hints: [{ id: 'h1', layerIds: ['a'], pass: 'low-rank', title: 'Low-rank', kind: 'approximate', deltaParams: -5, deltaMacs: -5, deltaWeightBytes: -20, error: 0.01 }],
        state: { selected: 'a', metric: 'macs', transform: { x: 1, y: 2, k: 0.5 }, expanded: ['g:x'] }, details: { a: {
          attributes: [{ name: 'kernel_shape', kind: 'ints', text: '[3, 3]' },
            { name: 'value', kind: 'tensor', text: 'int64[2] [1, -1]', tensor: { name: 'c', dtype: 'int64', shape: [2], bytes: 16, storage: 'inline (decoded with its node)', values: '[1, -1]', valuesShown: 2 } },
            { name: 'then_branch', kind: 'graph', text: 'graph with 1 node', graphs: [{ name: 'then', inputs: [], outputs: ['o'], nodes: [{ type: 'Identity', name: 'id' }] }] }],
          initializers: [{ name: 'w', dtype: 'float32', shape: [8, 3, 3, 3], bytes: 864, storage: 'in the model file at byte 100', valuesNote: 'no values in this file' }],
        } }, title: 'm.onnx' },
      { type: 'hints', hints: [] },
      { type: 'weightStats', id: 'a', stats: [{ name: 'w', shape: [2, 5], count: 10, min: -1, max: 1, mean: 0, std: 0.5, sparsity: 0.1 }] },
      { type: 'weightStats', id: 'a', pending: true },
      { type: 'reveal', id: 'a' },
      { type: 'busy', message: 'Analysing…' },
      { type: 'error', message: 'bad file' },
      { type: 'preview', preview: PREVIEW },
    ];
    for (const m of msgs) {
      const r = parseHostMessage(JSON.parse(JSON.stringify(m)));
      assert.ok(r.ok, `${m.type}: ${r.ok ? '' : r.error}`);
    }
  });

  it('accepts every webview->host message type', () => {
    const msgs: WebviewToHost[] = [
      { type: 'ready', version: PROTOCOL_VERSION },
      { type: 'select', id: 'a' },
      { type: 'select', id: null },
      { type: 'openSource', id: 'a' },
      { type: 'requestWeightStats', id: 'a' },
      { type: 'previewHint', hintId: 'h1' },
      { type: 'applyHint', hintId: 'h1' },
      { type: 'export', format: 'csv', data: 'a,b', encoding: 'utf8', suggestedName: 'm.report.csv' },
      { type: 'log', level: 'error', message: 'x' },
      { type: 'previewKnobs', knobs: { ratio: 0.5 } },
      { type: 'previewApply', knobs: {} },
      { type: 'previewCancel' },
    ];
    for (const m of msgs) {
      const r = parseWebviewMessage(m);
      assert.ok(r.ok, `${m.type}: ${r.ok ? '' : r.error}`);
    }
  });

  it('rejects malformed messages with a message that names the field', () => {
    const bad: [unknown, RegExp][] = [
      [null, /expected an object/],
      [{ type: 'nope' }, /unknown type "nope"/],
      [{ type: 'reveal' }, /reveal.*id: expected a string/],
      [{ type: 'analysis', analysis: { ...analysis, layers: [{ ...analysis.layers[0], params: '3' }] } }, /layers\[0\]\.params: expected a number/],
      [{ type: 'analysis', analysis: { ...analysis, layers: [analysis.layers[0], analysis.layers[0]] } }, /duplicate layer id/],
      [{ type: 'analysis', analysis: { ...analysis, details: { ...analysis.details, producers: { y: 3 } } } }, /producers\["y"\]: expected a string/],
      [{ type: 'analysis', analysis, motifs: [{ id: 'm', kind: 'spiral', label: '', layers: [], anchor: 'a' }] }, /kind: expected one of/],
      [{ type: 'analysis', analysis, hints: [{ id: 'h', layerIds: [], pass: 'p', title: 't', kind: 'exact', deltaParams: 0, deltaMacs: 0, deltaWeightBytes: 0 }] }, /layerIds: expected at least one layer/],
      [{ type: 'analysis', analysis, state: { metric: 'heat' } }, /state\.metric/],
      [{ type: 'weightStats', id: 'a', stats: [{ name: 'w', shape: [1], count: 1, min: 0, max: 0, mean: 0, std: NaN, sparsity: 0 }] }, /std: expected a number/],
    ];
    for (const [m, re] of bad) {
      const r = parseHostMessage(m);
      assert.equal(r.ok, false, JSON.stringify(m)?.slice(0, 80));
      if (!r.ok) assert.match(r.error, re);
    }
  });

  it('rejects export file names that would leave the chosen folder', () => {
    for (const name of ['../x.csv', 'a/b.csv', 'a\\b.csv', '..', '']) {
      const r = parseWebviewMessage({ type: 'export', format: 'csv', data: '', encoding: 'utf8', suggestedName: name });
      assert.equal(r.ok, false, name);
    }
    assert.equal(parseWebviewMessage({ type: 'export', format: 'exe', data: '', encoding: 'utf8', suggestedName: 'a' }).ok, false);
    assert.equal(parseWebviewMessage({ type: 'select' }).ok, false);
  });

  it('validates a 12,000-layer analysis quickly (it runs on every load)', () => {
    const big = syntheticTransformer({ blocks: 60, stages: 8 });
    const t0 = Date.now();
    const r = parseHostMessage({ type: 'analysis', analysis: big });
    assert.ok(r.ok);
    assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
  });

  it('parses a persisted view state and rejects a corrupted one', () => {
    assert.ok(parseViewState({ metric: 'flops', showShapes: true }).ok);
    assert.equal(parseViewState({ transform: { x: 'a', y: 0, k: 1 } }).ok, false);
  });
});

describe('preview protocol', () => {
  it('rejects malformed previews and knob messages', () => {
    const bad = (p: unknown) => parseHostMessage({ type: 'preview', preview: p });
    assert.equal(bad({ ...PREVIEW, kind: 'magic' }).ok, false);
    assert.equal(bad({ ...PREVIEW, before: { ...PREVIEW.before, params: 'many' } }).ok, false);
    assert.equal(bad({ ...PREVIEW, nodes: [{ ...PREVIEW.nodes[0], status: 'exploded' }] }).ok, false);
    assert.equal(bad({ ...PREVIEW, nodes: [{ ...PREVIEW.nodes[0], from: [1] }] }).ok, false);
    assert.equal(bad({ ...PREVIEW, knobs: [{ name: 'ratio', label: 'r', min: 0, max: 1, step: 0.1 }] }).ok, false, 'knob without a value');
    assert.equal(parseWebviewMessage({ type: 'previewKnobs', knobs: { ratio: 'x' } }).ok, false);
    assert.equal(parseWebviewMessage({ type: 'previewKnobs', knobs: { ratio: Infinity } }).ok, false);
    assert.equal(parseWebviewMessage({ type: 'previewKnobs', knobs: { __proto__x: 1 } }).ok, false, 'unknown knob name');
    assert.equal(parseWebviewMessage({ type: 'previewApply' }).ok, false, 'knobs are required');
  });
});
