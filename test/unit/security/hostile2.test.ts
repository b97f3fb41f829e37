// Hostile inputs, round two (issue 20): one regression test per class, built full size by
// scripts/fuzz/hostile.ts (the fuzzer builds the same classes at random sizes). Each case ends in a
// one-line ModelError naming the problem, or in a correct analysis, through the core API; the CLI and the
// extension's worker entry (engine.ts, what dist/worker.js runs) are checked on a sample of them.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as H from '../../../scripts/fuzz/hostile';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { isModelError } from '../../../src/core/errors';
import { loadModel } from '../../../src/core/formats';
import { loadH5wasm } from '../../../src/core/formats/keras/h5';
import { printable } from '../../../src/core/formats/modelFiles';
import { runAnalyze } from '../../../src/extension/engine';
import { main } from '../../../src/cli/main';

const root = mkdtempSync(path.join(os.tmpdir(), 'ml-hostile2-'));
let k = 0;
function caseDir(): string {
  const d = path.join(root, `c${k++}`, 'model');
  mkdirSync(d, { recursive: true });
  return d;
}
function write(name: string, data: Uint8Array | string): string {
  const f = path.join(caseDir(), name);
  writeFileSync(f, data);
  return f;
}

async function analyse(file: string) {
  return analyzeModel(await loadModel(file));
}

function oneLine(re: RegExp) {
  return (e: unknown) => {
    assert.ok(isModelError(e), `expected a ModelError, got ${(e as Error)?.stack ?? e}`);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    return true;
  };
}

/** The CLI's stderr for `analyze FILE`: exactly one `error:` line, no control characters. */
async function cliError(file: string): Promise<string> {
  const err: string[] = [];
  const code = await main(['analyze', file], () => undefined, (s) => err.push(s));
  assert.equal(code, 1);
  assert.equal(err.length, 1);
  // eslint-disable-next-line no-control-regex
  assert.ok(!/[\x00-\x1f\x7f]/.test(err[0]), `control characters in ${JSON.stringify(err[0])}`);
  return err[0];
}

describe('hostile inputs, round two (issue 20)', function () {
  this.timeout(120_000);

  describe('files outside the model folder', () => {
    it('an .h5 with an external link (absolute and relative) is refused, naming the link, in analysis and in the worker', async () => {
      const lib = await loadH5wasm();
      const d = caseDir();
      const canary = path.join(path.dirname(d), 'canary.h5');
      H.h5Canary(7.25)(lib, canary);
      for (const target of [canary, '../canary.h5']) {
        const f = path.join(d, `m${k++}.h5`);
        H.h5ExternalLink(target)(lib, f);
        await assert.rejects(loadModel(f), oneLine(/external link to ".*canary\.h5": ModelLens reads only the model file/));
        const res = await runAnalyze({ type: 'analyze', id: 1, file: f, dims: {} } as never);
        assert.equal(res.ok, false);
        assert.match((res as { error: { message: string } }).error.message, /external link/);
      }
    });

    it('HDF5 hard-link cycles end in a limit error; 10,000 datasets in 2,000 layers analyse', async () => {
      const lib = await loadH5wasm();
      for (const fan of [1, 2]) {
        const f = path.join(caseDir(), 'cycle.h5');
        H.h5HardLinkCycle(fan)(lib, f);
        const t0 = Date.now();
        await assert.rejects(loadModel(f), oneLine(/HDF5 (groups nest deeper than 64 levels|file holds more than 200000 objects)/));
        assert.ok(Date.now() - t0 < 60_000);
      }
      const f = path.join(caseDir(), 'wide.h5');
      H.h5ManyDatasets(2000, 5)(lib, f);
      const a = await analyse(f);
      assert.equal(a.layers.length, 2000);
      // Every Dense(2) on 2 inputs: 4 + 2 parameters, all located in the file.
      assert.equal(a.totals.params, 2000 * 6);
    });

    it('a FIFO or a device given as the model is refused before it is opened, by every entry point', async () => {
      const d = caseDir();
      for (const name of ['m.onnx', 'm.json', 'm.keras', 'm.h5']) {
        const f = path.join(d, name);
        execFileSync('mkfifo', [f]);
        await assert.rejects(loadModel(f), oneLine(/named pipe \(FIFO\), not a regular file/));
      }
      const z = path.join(d, 'zero.onnx');
      symlinkSync('/dev/zero', z);
      await assert.rejects(loadModel(z), oneLine(/is a device, not a regular file/));
      assert.match(await cliError(z), /^error: .*zero\.onnx: cannot read the model: is a device, not a regular file$/);
    });

    it('tfjs weightsManifest paths: absolute, ../, a link leaving the folder, a device and a FIFO are refused', async () => {
      const d = caseDir();
      writeFileSync(path.join(path.dirname(d), 'outside.bin'), new Uint8Array(32).fill(0x41));
      symlinkSync('../outside.bin', path.join(d, 'link-out.bin'));
      symlinkSync('/dev/zero', path.join(d, 'dev-zero.bin'));
      execFileSync('mkfifo', [path.join(d, 'pipe.bin')]);
      const cases: [string, RegExp][] = [
        ['/etc/passwd', /is an absolute path/],
        ['../outside.bin', /points outside the model's folder/],
        ['sub/../../outside.bin', /points outside the model's folder/],
        ['link-out.bin', /is a link to a file outside the model's folder/],
        ['dev-zero.bin', /is a device/],
        ['pipe.bin', /named pipe/],
      ];
      for (const [ref, re] of cases) {
        const f = path.join(d, `model${k++}.json`);
        writeFileSync(f, tfjsModel(ref));
        await assert.rejects(loadModel(f), oneLine(new RegExp(`^weightsManifest: shard .*${re.source}`)), ref);
      }
    });
  });

  describe('prototype keys', () => {
    const protoState = () => ({
      object: Reflect.ownKeys(Object.prototype).map(String).sort().join(','),
      array: Reflect.ownKeys(Array.prototype).map(String).sort().join(','),
      fresh: JSON.stringify(Object.entries({})) + String(({} as Record<string, unknown>).count) + String(({} as Record<string, unknown>).params),
    });

    it('in every name position of ONNX and Keras models: analysis works and Object.prototype / Array.prototype are untouched', async () => {
      const before = protoState();
      for (const key of H.PROTO_KEYS) {
        const a = await analyse(write('m.onnx', H.onnxProtoKeys(key)));
        // With dims bound (the CLI's and the extension's defaults): a dim_param named like a prototype member is no bound dim.
        assert.equal(analyzeModel(await loadModel(write('m.onnx', H.onnxProtoKeys(key))), { dims: { batch: 1, sequence: 8 } }).layers.length, 4, key);
        assert.equal(a.layers.length, 4, key);
        assert.equal(a.totals.params, 1, key);
        assert.ok(Object.prototype.hasOwnProperty.call(a.details.byType, key), `${key} tallied as an op type`);
        assert.equal(a.details.byType[key].count, 2, key);
        assert.doesNotThrow(() => JSON.stringify(a));
        const b = await analyse(write('m.json', H.kerasProtoKeys(key)));
        assert.equal(b.layers.length, 5, key);
        // Dense(3) on 8 features (27) + Dense(2) whose input is unknown (not counted).
        assert.equal(b.totals.params, 27, key);
        assert.deepEqual(protoState(), before, `after ${key}`);
      }
    });
  });

  describe('crashes and hangs', () => {
    it('names that forge a second error line are escaped in the warning, the CLI line and the worker error', async () => {
      const f = write('m.onnx', H.onnxForgedName());
      const a = await analyse(f);
      assert.ok(a.details.warnings.some((w) => w.includes(H.FORGED_NAME)), 'the analysis keeps the name (JSON escapes it)');
      const out: string[] = [];
      assert.equal(await main(['analyze', f], (s) => out.push(s), () => undefined), 0);
      // eslint-disable-next-line no-control-regex
      assert.ok(!/[\x00-\x09\x0b-\x1f\x7f]/.test(out.join('')), 'the text output has no control characters but line ends');
      assert.ok(out.join('').includes(printable(H.FORGED_NAME, 1000)));
      // A ModelError naming the file's string: one line at every sink.
      const g = path.join(path.dirname(f), `${H.FORGED_NAME.replace(/\//g, '')}.onnx`);
      writeFileSync(g, 'not a model');
      assert.match(await cliError(g), /^error: .*\\x0a error: fake second line \\x1b\[2J/);
      const res = await runAnalyze({ type: 'analyze', id: 1, file: g, dims: {} } as never);
      assert.equal(res.ok, false);
      assert.ok(!(res as { error: { message: string } }).error.message.includes('\n'));
    });

    it('100,000 unknown Keras layers analyse without overflowing the stack (first warnings kept, the rest counted)', async () => {
      const a = await analyse(write('m.json', H.kerasUnknownChain(100_000)));
      assert.equal(a.layers.length, 100_000);
      assert.equal(a.details.warnings.length, 51);
      assert.match(a.details.warnings[50], /^\.\.\. and \d+ more warnings$/);
    });

    it('200,000 subgraphs in one graphs attribute: analysed; an If body reading 200,000 outer names: the node limit', async () => {
      const a = await analyse(write('m.onnx', H.onnxManySubgraphs(200_000)));
      assert.equal(a.layers.length, 1);
      await assert.rejects(loadModel(write('m.onnx', H.onnxIfReadsOuter(200_000))), oneLine(/more than 250000 nodes, subgraphs included \(limit 250000\)/));
      // Below the limit the If body's outer reads analyse (iteratively).
      const b = await analyse(write('m.onnx', H.onnxIfReadsOuter(100_000)));
      assert.equal(b.layers.length, 100_001);
    });

    it('a .keras member that inflates past its declared size stops at that size', async () => {
      const t0 = Date.now();
      await assert.rejects(loadModel(write('m.keras', H.kerasLyingMember(32 << 20))), oneLine(/config\.json inflates past 64 bytes, the size its header declares/));
      assert.ok(Date.now() - t0 < 30_000);
    });

    it('symbolic dims that swell become opaque symbols with a warning', async () => {
      const warned = (a: Awaited<ReturnType<typeof analyse>>) => assert.ok(a.details.warnings.some((w) => /symbolic dims? grew past 64 terms, degree 16 or 256 characters/.test(w)), a.details.warnings.join(' | '));
      const sum = await analyse(write('m.onnx', H.onnxDimSum(50_000)));
      warned(sum);
      const max = await analyse(write('m.onnx', H.onnxDimMaxDoubling(60)));
      warned(max);
      assert.ok(String(max.totals.flops).length < 2000);
      const sq = await analyse(write('m.onnx', H.onnxDimSquare(14)));
      warned(sq);
      const long = await analyse(write('m.onnx', H.onnxLongDimParam((4 << 20) - 1, 300)));
      warned(long);
      assert.ok(JSON.stringify(long).length < 1 << 20, 'the 4 MiB name is not carried through 300 layers');
      // Expressions within the bounds are untouched.
      const small = await analyse(write('m.onnx', H.onnxDimSum(3)));
      assert.equal(small.outputs[0].shape?.[0], 'd0 + d1 + d2');
    });
  });

  describe('memory bombs', () => {
    it('Reshape to a 10^8-element target shape and Split with num_outputs 10^8: not costed, nothing allocated', async () => {
      const r = await analyse(write('m.onnx', H.onnxReshapeHuge(1e8)));
      assert.match(r.notCosted[0]?.reason ?? '', /target shape of Reshape has 100000000 elements: an output rank above 64/);
      const s = await analyse(write('m.onnx', H.onnxSplitHuge(1e8)));
      assert.match(s.notCosted[0]?.reason ?? '', /Split: num_outputs is 100000000, the node has 1 outputs/);
    });

    it('10^6 tiny nodes: the node limit, with its message', async () => {
      await assert.rejects(loadModel(write('m.onnx', H.onnxTinyNodes(1_000_000, 'chain'))), oneLine(/more than 250000 nodes/));
      await assert.rejects(loadModel(write('m.onnx', H.onnxTinyNodes(1_000_000, 'fan'))), oneLine(/more than 250000 nodes/));
    });

    it('a 60 MB Keras JSON of 30 M zeros: analysed, the array counted, RSS under 10x the file and 1 GiB (child process)', () => {
      const f = write('m.json', H.kerasInlineArray(30_000_000));
      const script = `
        const base = process.memoryUsage().rss;
        const { loadModel } = require(${JSON.stringify(path.resolve(__dirname, '../../../src/core/formats'))});
        const { analyzeModel } = require(${JSON.stringify(path.resolve(__dirname, '../../../src/core/analysis/analyze'))});
        loadModel(${JSON.stringify(f)}).then((m) => {
          const a = analyzeModel(m);
          process.stdout.write(JSON.stringify({ peak: process.resourceUsage().maxRSS * 1024 - base, params: a.totals.params, warnings: a.details.warnings }));
        });`;
      const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { encoding: 'utf8', cwd: path.resolve(__dirname, '../../..') });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { peak: number; params: number; warnings: string[] };
      const size = 60_000_000;
      console.log(`      60 MB JSON of zeros: peak RSS ${(out.peak / 2 ** 20).toFixed(0)} MiB over the baseline`);
      assert.ok(out.peak < 10 * size && out.peak < 2 ** 30, `peak ${out.peak}`);
      assert.equal(out.params, 4 * 2 + 2);
      assert.ok(out.warnings.some((w) => /inline numeric array of 30000000 numbers/.test(w)));
    });
  });
});

function tfjsModel(shard: string): string {
  const topology = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 4] } }] } };
  return JSON.stringify({ format: 'layers-model', modelTopology: { model_config: topology }, weightsManifest: [{ paths: [shard], weights: [{ name: 'd/kernel', shape: [4, 2], dtype: 'float32' }] }] });
}
