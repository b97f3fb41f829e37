import assert from 'node:assert/strict';
import type { Analysis, LayerAnalysis } from '../../../src/core/analysis/types';
import { layerHoverMarkdown, layerLensTitle, macsShare, totalsTitle } from '../../../src/extension/lensText';

function layer(p: Partial<LayerAnalysis>): LayerAnalysis {
  return { id: 'l', name: 'conv', type: 'Conv2D', params: 0, macs: 0, flops: 0, weightBytes: 0, inputs: [], outputs: [], costed: true, ...p };
}
const totals = (macs: Analysis['totals']['macs']): Analysis['totals'] => ({ params: 0, macs, flops: 0, weightBytes: 0, peakActivationBytes: 0 });

describe('lens text', () => {
  it('formats the per-layer lens as in the issue: Conv2D · 73.7K params · 115.6M MACs (6.4%)', () => {
    // 73,728 params, 115,605,504 MACs out of 1,806,336,000: 115605504 / 1806336000 = 6.40%.
    const t = layerLensTitle(layer({ params: 73_728, macs: 115_605_504 }), totals(1_806_336_000));
    assert.equal(t, 'Conv2D · 73.7K params · 115.6M MACs (6.4%)');
  });

  it('omits the share when MACs are symbolic and says when a layer is not costed', () => {
    assert.equal(layerLensTitle(layer({ params: 10, macs: '512*sequence' }), totals('1024*sequence')), 'Conv2D · 10 params · 512*sequence MACs');
    assert.equal(layerLensTitle(layer({ type: 'Lambda', costed: false }), totals(100)), 'Lambda · 0 params · not costed');
  });

  it('shows tiny shares as <0.1% and zero as 0%', () => {
    assert.equal(macsShare(1, 10_000), '<0.1%');
    assert.equal(macsShare(0, 10_000), '0%');
    assert.equal(macsShare(5, 0), undefined);
  });

  it('totals lens', () => {
    const a = { totals: { params: 138_357_544, macs: 15_470_264_320, flops: 0, weightBytes: 553_430_176, peakActivationBytes: 0 }, notCosted: [] } as unknown as Analysis;
    assert.equal(totalsTitle(a), 'ModelLens: 138.4M params · 15.5G MACs · 527.8 MiB weights');
  });

  it('escapes model-provided names in hovers (Markdown injection)', () => {
    const md = layerHoverMarkdown(layer({ name: '[x](command:evil) <img src=x onerror=alert(1)>' }), totals(1));
    assert.ok(!md.includes('[x](command:evil)'), 'no live link');
    assert.doesNotMatch(md, /[^\\]<img/, 'every < is backslash-escaped');
    assert.ok(md.includes('\\[x\\]\\(command:evil\\)'));
  });
});
