/**
 * The project's npm configuration: no npm command warns (`npx modellens` keeps its one-line stderr
 * contract), and no dependency install script runs (onnxruntime-node's would download CUDA binaries).
 * Runs the real npm in this checkout.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const run = promisify(execFile);
const npm = (args: string[]) => run('npm', args, { cwd: ROOT, timeout: 120000, env: { ...process.env, NO_UPDATE_NOTIFIER: '1' } });

describe('npm configuration of the project', function () {
  this.timeout(180000);

  it('npm prints no warning in this project (no unknown .npmrc key)', async () => {
    const { stderr } = await npm(['config', 'list']);
    assert.equal(stderr.trim(), '', `npm config list wrote to stderr:\n${stderr}`);
  });

  it('`npm exec modellens` writes nothing to stderr on success', async () => {
    const model = path.join(ROOT, '..', 'shared', 'models', 'onnx', 'squeezenet1_0.onnx');
    assert.ok(fs.existsSync(model), `missing test model ${model} (../shared from the checkout)`);
    const { stdout, stderr } = await npm(['exec', '--offline', '--', 'modellens', 'analyze', model, '--top', '1']);
    assert.equal(stderr, '', `stderr: ${stderr}`);
    assert.match(stdout, /params/i);
  });

  it('dependency install scripts are off for every npm version, and denied in allowScripts (npm >= 11.19)', async () => {
    const { stdout } = await npm(['config', 'get', 'ignore-scripts']);
    assert.equal(stdout.trim(), 'true', 'ignore-scripts must be true in the project .npmrc');
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
    assert.equal(pkg.allowScripts?.['onnxruntime-node'], false, 'package.json allowScripts denies onnxruntime-node');
  });

  it('onnxruntime-node has its CPU binaries and no downloaded CUDA provider', () => {
    const bin = path.join(ROOT, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', process.platform, process.arch);
    const files = fs.readdirSync(bin);
    assert.ok(files.includes('onnxruntime_binding.node'), `CPU binding missing in ${bin}: ${files.join(', ')}`);
    assert.deepEqual(files.filter((f) => /cuda|tensorrt|providers_shared/.test(f)), []);
  });
});
