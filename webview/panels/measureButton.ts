/**
 * The graph toolbar's Measure button: asks the host to benchmark this model. The host says whether
 * it may (Restricted Mode, formats that cannot run) with measureState; a disabled vscode-button gets
 * no pointer events, so the reason sits on a wrapper where the tooltip still shows.
 */
import { h } from '../dom';
import type { MeasureState } from '../protocol';

export interface MeasureButton {
  el: HTMLElement;
  set(s: MeasureState): void;
}

const READY = 'Run the model on random inputs (ONNX Runtime / TensorFlow.js) and colour the graph by measured time';

export function measureButton(onClick: () => void): MeasureButton {
  const button = h('vscode-button', { text: 'Measure', attrs: { id: 'measure', secondary: true, disabled: true } }) as HTMLElement & { disabled: boolean };
  const el = h('span', { class: 'measure-wrap', title: 'Waiting for the extension…' }, button);
  let state: MeasureState = { enabled: false };
  button.addEventListener('click', () => {
    if (!state.enabled || state.running) return;
    set({ ...state, running: true });
    onClick();
  });
  function set(s: MeasureState): void {
    state = s;
    button.disabled = !s.enabled || !!s.running;
    button.textContent = s.running ? 'Measuring…' : 'Measure';
    el.title = s.running ? 'Benchmark running (cancel it from its notification)' : s.enabled ? READY : s.reason ?? 'Measuring is not available';
    el.dataset.enabled = String(s.enabled);
  }
  return { el, set };
}
