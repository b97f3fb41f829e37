#!/usr/bin/env node
// `npm start`: build, then open a real VS Code with ModelLens loaded on a workspace of sample models.
//   - desktop VS Code (`code --extensionDevelopmentPath`) when `code` is on PATH;
//   - otherwise code-server (installed by scripts/e2e/setup.sh into .vscode-e2e/) on 127.0.0.1, with
//     the URL printed; Ctrl+C stops it.
// Samples are copied from ../shared/models when it is beside the project (into $TMPDIR/modellens-samples);
// nothing else is read from ../shared.
//
//   node scripts/start.mjs [--folder DIR] [--code-server]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, makeSampleWorkspace, startCodeServer } from './e2e/harness.mjs';

const { values } = parseArgs({ options: { folder: { type: 'string' }, 'code-server': { type: 'boolean', default: false } } });
const SAMPLES = [
  'onnx/squeezenet1_0.onnx', 'onnx/mobilenet_v3_small.onnx', 'onnx/tiny_bert_dynamic.onnx', 'onnx/lstm_classifier.onnx',
  'keras/k2_advml_autoencoder_seq.json', 'keras/k3_advml_weather_bilstm.json', 'keras/tfjs_k2_tensorspace_vgg16.json',
  'keras/tfjs_k2_tensorspace_resnet50.json', 'keras/k3_advml_peoplenet_kerascv_backbone.json',
];

const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), '--dev'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const folder = path.resolve(values.folder ?? path.join(os.tmpdir(), 'modellens-samples'));
if (!values.folder) {
  const copied = makeSampleWorkspace(folder, SAMPLES.filter((s) => !fs.existsSync(path.join(folder, path.basename(s)))));
  const n = fs.readdirSync(folder).length;
  console.log(`start: workspace ${folder} (${n} files${copied.length ? `, ${copied.length} copied from ../shared/models` : ''})`);
  if (n === 0) console.log('start: ../shared/models is not beside the project; open your own .onnx / Keras JSON files there.');
}

const hasCode = !values['code-server'] && spawnSync('sh', ['-c', 'command -v code'], { encoding: 'utf8' }).status === 0;
if (hasCode) {
  console.log('start: opening desktop VS Code with the extension under development');
  const p = spawn('code', ['--new-window', `--extensionDevelopmentPath=${ROOT}`, folder], { stdio: 'inherit', detached: true });
  p.unref();
} else {
  if (!fs.existsSync(path.join(ROOT, '.vscode-e2e', 'node_modules', 'code-server')) && !process.env.VSCODE_E2E_HOME) {
    console.log('start: `code` is not installed; setting up code-server in .vscode-e2e/ (once, ~1.5 min)');
    const s = spawnSync('bash', [path.join(ROOT, 'scripts/e2e/setup.sh')], { stdio: 'inherit' });
    if (s.status !== 0) process.exit(s.status ?? 1);
  }
  const server = await startCodeServer({ quiet: true });
  const url = server.workbenchUrl(folder, [['extensionDevelopmentPath', server.remoteUri(ROOT)], ['skipWelcome', 'true']]);
  console.log(`\nModelLens is running in VS Code (code-server 4.100.3) — open this URL in a browser:\n\n  ${url}\n\nCtrl+C stops the server.`);
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
