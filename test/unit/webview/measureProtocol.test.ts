import assert from 'node:assert/strict';
import { parseHostMessage, parseViewState, parseWebviewMessage, type CompareView, type HostToWebview, type MeasuredTimes, type WebviewToHost } from '../../../webview/protocol';
import { analysisOf } from './build';

export const TIMES: MeasuredTimes = {
  runtime: 'onnxruntime-node', backend: 'cpu', runs: 20, medianMs: 1.5, p90Ms: 1.9, profiledRuns: 5,
  method: 'ORT profiler', nodes: [{ id: 'a', ms: 0.7, fused: ['b'] }, { id: 'c', ms: 0 }],
  noKernel: ['d'], unmappedKernels: 2, unmappedMs: 0.05, kernelTotalMs: 0.9,
};

const COMPARE: CompareView = {
  knobs: { ratio: 0.25 }, runtime: 'onnxruntime-node', backend: 'cpu', runs: 20,
  before: { medianMs: 2, p90Ms: 2.5, bytes: 1000 }, after: { medianMs: 1, p90Ms: 1.2, bytes: 400 }, speedup: 2,
  outputs: [{ name: 'y', maxAbs: 0.01, relL2: 0.002 }, { name: 'z', maxAbs: null, relL2: null, mismatch: 'shape [1,2] became [1,3]' }],
  notes: ['compressed: something'],
};

describe('measure protocol (measured times, Measure button, preview comparison)', () => {
  const analysis = analysisOf([['a', 'Conv', ['x'], ['y'], 10]], { outputs: ['y'] });

  it('accepts the new host->webview messages, and measured times inside an analysis', () => {
    const msgs: HostToWebview[] = [
      { type: 'measured', measured: TIMES },
      { type: 'analysis', analysis, measured: TIMES },
      { type: 'measureState', enabled: true },
      { type: 'measureState', enabled: false, reason: 'Restricted Mode', running: false },
      { type: 'compare', running: 'original: timed runs 3/20' },
      { type: 'compare', compare: COMPARE },
      { type: 'compare', error: 'The compressed model failed to run: bad node' },
    ];
    for (const m of msgs) {
      const r = parseHostMessage(JSON.parse(JSON.stringify(m)));
      assert.ok(r.ok, `${m.type}: ${r.ok ? '' : r.error}`);
    }
  });

  it('accepts the new webview->host messages and the "time" heat in a saved state', () => {
    const msgs: WebviewToHost[] = [
      { type: 'measure' },
      { type: 'measuredShown', mapped: 3, ignored: 1 },
      { type: 'previewMeasure', knobs: { rank: 8 } },
      { type: 'previewMeasure', knobs: {} },
    ];
    for (const m of msgs) {
      const r = parseWebviewMessage(m);
      assert.ok(r.ok, `${m.type}: ${r.ok ? '' : r.error}`);
    }
    assert.ok(parseViewState({ metric: 'time' }).ok);
  });

  it('rejects malformed measured times, naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [{ type: 'measured' }, /\(measured\)\.measured: expected an object/],
      [{ type: 'measured', measured: { ...TIMES, medianMs: 'fast' } }, /medianMs: expected a finite number >= 0/],
      [{ type: 'measured', measured: { ...TIMES, p90Ms: -1 } }, /p90Ms: expected a finite number >= 0/],
      [{ type: 'measured', measured: { ...TIMES, nodes: [{ id: 'a', ms: NaN }] } }, /nodes\[0\]\.ms/],
      [{ type: 'measured', measured: { ...TIMES, nodes: [{ id: 'a', ms: Infinity }] } }, /nodes\[0\]\.ms/],
      [{ type: 'measured', measured: { ...TIMES, nodes: [{ id: 7, ms: 1 }] } }, /nodes\[0\]\.id: expected a string/],
      [{ type: 'measured', measured: { ...TIMES, nodes: [{ id: 'a', ms: 1 }, { id: 'a', ms: 2 }] } }, /duplicate node "a"/],
      [{ type: 'measured', measured: { ...TIMES, nodes: [{ id: 'a', ms: 1, fused: 'b' }] } }, /fused: expected an array/],
      [{ type: 'measured', measured: { ...TIMES, noKernel: [1] } }, /noKernel\[0\]: expected a string/],
      [{ type: 'measured', measured: { ...TIMES, method: undefined } }, /method: expected a string/],
      [{ type: 'analysis', analysis, measured: { ...TIMES, runs: -3 } }, /analysis\)\.measured\.runs/],
      [{ type: 'measureState' }, /enabled: expected a boolean/],
      [{ type: 'measureState', enabled: false, reason: 3 }, /reason: expected a string/],
    ];
    for (const [m, re] of bad) {
      const r = parseHostMessage(m);
      assert.equal(r.ok, false, JSON.stringify(m)?.slice(0, 100));
      if (!r.ok) assert.match(r.error, re);
    }
  });

  it('rejects malformed comparisons and measure requests', () => {
    const bad = (c: unknown) => parseHostMessage({ type: 'compare', compare: c });
    assert.equal(bad({ ...COMPARE, before: { ...COMPARE.before, medianMs: -1 } }).ok, false);
    assert.equal(bad({ ...COMPARE, after: { medianMs: 1, p90Ms: 1 } }).ok, false, 'size missing');
    assert.equal(bad({ ...COMPARE, speedup: NaN }).ok, false);
    assert.equal(bad({ ...COMPARE, outputs: [{ name: 'y', maxAbs: 'big', relL2: 0 }] }).ok, false);
    assert.equal(bad({ ...COMPARE, outputs: [{ name: 'y', maxAbs: NaN, relL2: 0 }] }).ok, false, 'NaN must arrive as null');
    assert.equal(bad({ ...COMPARE, knobs: { ratio: 'x' } }).ok, false);
    assert.equal(bad({ ...COMPARE, notes: 'n' }).ok, false);
    assert.equal(parseHostMessage({ type: 'compare', running: 5 }).ok, false);
    assert.equal(parseWebviewMessage({ type: 'previewMeasure' }).ok, false, 'knobs are required');
    assert.equal(parseWebviewMessage({ type: 'previewMeasure', knobs: { steps: 2 } }).ok, false, 'unknown knob');
    assert.equal(parseWebviewMessage({ type: 'measuredShown', mapped: '3', ignored: 0 }).ok, false);
  });
});
