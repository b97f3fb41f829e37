import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { randn, rng, runOrt } from '../passes/helpers';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A .npy v1.0 file written here, apart from the product's reader. */
function npy(file: string, shape: number[], data: Float32Array): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64) header += ' ';
  header += '\n';
  const h = Buffer.alloc(10);
  h[0] = 0x93;
  h.write('NUMPY', 1, 'latin1');
  h[6] = 1;
  h[7] = 0;
  h.writeUInt16LE(header.length, 8);
  writeFileSync(file, Buffer.concat([h, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

const SQUEEZE = '/work/shared/models/onnx/squeezenet1_0.onnx';

describe('modellens optimize: the output error on data (issue 14)', function () {
  this.timeout(300_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'modellens-dataerr-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('random inputs by default, said plainly; top-1/top-5 agreement for a classifier', async () => {
    const out = path.join(tmp, 'q.onnx');
    const r = await run(['optimize', SQUEEZE, '--pass', 'quantize-int8', '--out', out, '--json']);
    assert.equal(r.code, 0, r.err);
    const d = JSON.parse(r.out).dataError;
    assert.equal(d.inputs, 'random');
    assert.match(d.note, /random inputs: the error measures the rewrite's effect, not accuracy on your data/);
    assert.equal(d.samples, 4);
    const o = d.outputs[0];
    assert.ok(o.relL2 > 0 && o.relL2 < 0.1, `rel. L2 ${o.relL2}`);
    assert.equal(o.rows, 4);
    assert.ok(o.top1 >= 0 && o.top1 <= 1 && o.top5 >= o.top1);
    const text = await run(['optimize', SQUEEZE, '--pass', 'quantize-int8', '--out', path.join(tmp, 'q2.onnx')]);
    assert.match(text.out, /error on data: +random inputs: the error measures/);
  });

  it('--inputs DIR: .npy and ONNX TensorProto .pb samples; numbers = the test\'s own two ORT runs', async () => {
    const dir = path.join(tmp, 'inputs');
    const r = rng(21);
    const xs = [randn(3 * 224 * 224, r), randn(3 * 224 * 224, r)];
    mkdirSync(path.join(dir, 'test_data_set_0'), { recursive: true });
    mkdirSync(path.join(dir, 'test_data_set_1'), { recursive: true });
    npy(path.join(dir, 'test_data_set_0', 'input.npy'), [1, 3, 224, 224], xs[0]);
    // The second sample as a TensorProto written by python3-onnx.
    const raw = path.join(tmp, 'x1.bin');
    writeFileSync(raw, Buffer.from(xs[1].buffer));
    const py = spawnSync('/usr/bin/python3', ['-c', [
      'import sys, numpy as np, onnx',
      'from onnx import numpy_helper',
      'a = np.fromfile(sys.argv[1], dtype="<f4").reshape(1, 3, 224, 224)',
      'open(sys.argv[2], "wb").write(numpy_helper.from_array(a, "input").SerializeToString())',
    ].join('\n'), raw, path.join(dir, 'test_data_set_1', 'input_0.pb')], { encoding: 'utf8' });
    assert.equal(py.status, 0, `python3-onnx needed (scripts/test-deps.sh): ${py.stderr}`);
    const out = path.join(tmp, 'c.onnx');
    const res = await run(['optimize', SQUEEZE, '--pass', 'cluster', '--bits', '4', '--out', out, '--inputs', dir, '--json']);
    assert.equal(res.code, 0, res.err);
    const d = JSON.parse(res.out).dataError;
    assert.equal(d.inputs, 'files');
    assert.equal(d.samples, 2);
    let maxAbs = 0;
    let d2 = 0;
    let r2 = 0;
    let top1 = 0;
    for (const x of xs) {
      const a = (await runOrt(SQUEEZE, { input: { data: x, dims: [1, 3, 224, 224] } })).output;
      const b = (await runOrt(out, { input: { data: x, dims: [1, 3, 224, 224] } })).output;
      for (let i = 0; i < a.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
        d2 += (a[i] - b[i]) ** 2;
        r2 += a[i] ** 2;
      }
      const arg = (v: Float32Array) => v.indexOf(Math.max(...v));
      if (arg(a) === arg(b)) top1++;
    }
    const o = d.outputs[0];
    assert.ok(Math.abs(o.maxAbs - maxAbs) <= 1e-6 * (1 + maxAbs), `${o.maxAbs} vs ${maxAbs}`);
    assert.ok(Math.abs(o.relL2 - Math.sqrt(d2 / r2)) < 1e-6, `${o.relL2} vs ${Math.sqrt(d2 / r2)}`);
    assert.equal(o.top1, top1 / 2);
  });

  it('--inputs with the wrong shape: exit 1, one line naming the file and the input', async () => {
    const dir = path.join(tmp, 'bad');
    mkdirSync(dir, { recursive: true });
    npy(path.join(dir, 'input.npy'), [1, 3, 32, 32], new Float32Array(3 * 32 * 32));
    const r = await run(['optimize', SQUEEZE, '--pass', 'quantize-int8', '--out', path.join(tmp, 'b.onnx'), '--inputs', dir]);
    assert.equal(r.code, 1);
    assert.match(r.err, /input\.npy: shape \[1,3,32,32\], input "input" is \[1,3,224,224\]/);
    assert.equal(r.err.split('\n').length, 1);
  });
});
