import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import './styles.css';
import { App } from './app';
import { PreviewApp } from './preview';

const root = document.getElementById('app');
if (root) {
  const vscode = acquireVsCodeApi();
  try {
    if (root.dataset.mode === 'preview') new PreviewApp(root, vscode);
    else new App(root, vscode);
  } catch (e) {
    root.textContent = `ModelLens could not start: ${(e as Error).message}`;
    vscode.postMessage({ type: 'log', level: 'error', message: String((e as Error).stack ?? e) });
  }
}
