#!/usr/bin/env node
// `npm start`: build, then open a real VS Code with ModelLens loaded on a workspace of sample models.
//   - desktop VS Code (`code --extensionDevelopmentPath`) when `code` is on PATH;
//   - otherwise code-server (installed by scripts/e2e/setup.sh into .vscode-e2e/) on 127.0.0.1, with
//     the URL printed; Ctrl+C stops it.
// The workspace is .start/samples inside this checkout (git-ignored), emptied and copied afresh from
// ../shared/models on every start, so edits from an earlier session never show up; nothing else is read
// from ../shared. Its .vscode/settings.json turns auto-save off (VS Code for the web, code-server, saves
// after a delay by default: an Apply would rewrite the sample on disk a second later).
//
//   node scripts/start.mjs [--folder DIR] [--code-server] [--prepare-only]
//     --folder DIR     open DIR instead (left as it is: not emptied, no settings written)
//     --prepare-only   refresh the sample workspace, print its path and exit (no build, no VS Code)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, makeSampleWorkspace, startCodeServer } from './e2e/harness.mjs';

const { values } = parseArgs({ options: { folder: { type: 'string' }, 'code-server': { type: 'boolean', default: false }, 'prepare-only': { type: 'boolean', default: false } } });
const SAMPLES = [
  'onnx/squeezenet1_0.onnx', 'onnx/mobilenet_v3_small.onnx', 'onnx/tiny_bert_dynamic.onnx', 'onnx/lstm_classifier.onnx',
  'keras/k2_advml_autoencoder_seq.json', 'keras/k3_advml_weather_bilstm.json', 'keras/tfjs_k2_tensorspace_vgg16.json',
  'keras/tfjs_k2_tensorspace_resnet50.json', 'keras/k3_advml_peoplenet_kerascv_backbone.json',
];

/** Settings of the sample workspace (they win over user settings): nothing is saved behind the user's back. */
export const START_WORKSPACE_SETTINGS = { 'files.autoSave': 'off' };

/** Empties `dir` and copies the samples into it afresh, with the workspace settings. Returns the copies. */
function refreshSampleWorkspace(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  const copied = makeSampleWorkspace(dir, SAMPLES);
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), `${JSON.stringify(START_WORKSPACE_SETTINGS, null, 2)}\n`);
  return copied;
}

const folder = path.resolve(values.folder ?? path.join(ROOT, '.start', 'samples'));
if (!values.folder) {
  const copied = refreshSampleWorkspace(folder);
  console.log(`start: workspace ${folder} (${copied.length} sample models copied afresh from ../shared/models; auto-save off)`);
  if (copied.length === 0) console.log('start: ../shared/models is not beside the project; open your own .onnx / Keras JSON files there.');
}
if (values['prepare-only']) process.exit(0);

const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), '--dev'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const hasCode = !values['code-server'] && spawnSync('sh', ['-c', 'command -v code'], { encoding: 'utf8' }).status === 0;
if (hasCode) {
  console.log('start: opening desktop VS Code with the extension under development');
  const p = spawn('code', ['--new-window', `--extensionDevelopmentPath=${ROOT}`, folder], { stdio: 'inherit', detached: true });
  p.unref();
} else {
  if (!fs.existsSync(path.join(ROOT, '.vscode-e2e', 'node_modules', 'code-server')) && !process.env.VSCODE_E2E_HOME) {
    console.log('start: `code` is not installed; setting up code-server in .vscode-e2e/ (once: ~2–3 min on 2 cores, plus chromium\'s apt install if absent)');
    const s = spawnSync('bash', [path.join(ROOT, 'scripts/e2e/setup.sh')], { stdio: 'inherit' });
    if (s.status !== 0) process.exit(s.status ?? 1);
  }
  // User settings too: the workbench reads them before the folder's, and a file opened from outside the
  // folder gets no workspace settings.
  const server = await startCodeServer({ quiet: true, settings: START_WORKSPACE_SETTINGS });
  const url = server.workbenchUrl(folder, [['extensionDevelopmentPath', server.remoteUri(ROOT)], ['skipWelcome', 'true']]);
  console.log(`\nModelLens is running in VS Code (code-server 4.100.3) — open this URL in a browser:\n\n  ${url}\n\n` +
    `It listens on ${server.authority} only. From another machine, forward the port over SSH and open the same URL there:\n\n` +
    `  ssh -N -L ${server.port}:127.0.0.1:${server.port} ${os.userInfo().username}@${os.hostname()}\n\nCtrl+C stops the server.`);
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.child.on('exit', (code) => {
    if (stopping) return; // stop() removes the temporary dirs, then exits
    console.log(`code-server exited (${code})`);
    process.exit(code ?? 0);
  });
}
