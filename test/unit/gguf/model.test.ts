// GGUF through the one builder: a GGUF file of each shared checkpoint (llama.cpp naming, sparse) opens
// with loadModel, and its analysis gives the same parameters, KV cache, active parameters and MACs as
// the checkpoint's own config.json; the HF tensors it maps to are the transformers state_dict (names and
// shapes, from test/unit/llm/checkpoints.ts, written independently of either family table).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { main } from '../../../src/cli/main';
import { loadModel } from '../../../src/core/formats';
import { allGgmlTypes, readGgufAsHf } from '../../../src/core/formats/gguf';

const ggmlTypeByName = (n: string) => allGgmlTypes().find((t) => t.name === n);
import { hfTensors } from '../llm/checkpoints';
import { config, gpt2, LLM_DIR, llamaFamily, phi3, split, type Checkpoint } from './checkpoints';
import { Bytes, writeGguf } from './ggufWriter';
import { writeFileSync } from 'node:fs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'modellens-gguf-model-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CASES: { folder: string; make: () => Checkpoint; mistralWindow?: boolean }[] = [
  { folder: 'llama-2-7b', make: () => llamaFamily(config('llama-2-7b'), 'LLaMA v2') },
  { folder: 'mistral-7b-v0.1', make: () => llamaFamily(config('mistral-7b-v0.1'), 'Mistral 7B'), mistralWindow: true },
  { folder: 'mixtral-8x7b-v0.1', make: () => llamaFamily(config('mixtral-8x7b-v0.1'), 'Mixtral 8x7B') },
  { folder: 'gpt2', make: () => gpt2(config('gpt2')) },
  { folder: 'phi-3-mini-4k-instruct', make: () => phi3(config('phi-3-mini-4k-instruct')) },
];
const DIMS = { batch: 1, sequence: 128 };

describe('GGUF: loadModel → the config.json builder → the same analysis as config.json', function () {
  this.timeout(180_000);

  for (const c of CASES) {
    it(`${c.folder}: params, active params, KV cache, prefill and decode MACs equal the config.json path`, async () => {
      const file = path.join(dir, `${c.folder}.gguf`);
      writeGguf(file, c.make().kv, c.make().tensors);
      const g = await loadModel(file);
      assert.equal(g.format, 'gguf');
      assert.equal(g.llm?.source, 'gguf');
      const cfg = await loadModel(path.join(LLM_DIR, c.folder, 'config.json'));
      // Mistral's window is not in GGUF (convert writes it as llama): compare at its window, where the
      // cap does not bite, and say so.
      const opts = { dims: DIMS, llm: { context: 4096, sequence: 128 } };
      const ag = analyzeModel(g, opts);
      const ac = analyzeModel(cfg, opts);
      assert.equal(ag.totals.params, ac.totals.params);
      assert.equal(ag.llm!.params.total, ac.llm!.params.total);
      assert.equal(ag.llm!.params.activePerToken, ac.llm!.params.activePerToken);
      assert.equal(ag.llm!.params.embedding, ac.llm!.params.embedding);
      assert.equal(ag.llm!.kvCacheBytesPerToken, ac.llm!.kvCacheBytesPerToken);
      assert.equal(ag.llm!.prefill.macs, ac.llm!.prefill.macs);
      assert.equal(ag.llm!.decode!.macsPerToken, ac.llm!.decode!.macsPerToken);
      if (c.mistralWindow) {
        assert.deepEqual(ag.llm!.kvLayers.map((l) => l.kind), ac.llm!.kvLayers.map(() => 'full'));
        assert.ok(ac.llm!.kvLayers.every((l) => l.kind === 'sliding'));
      } else assert.deepEqual(ag.llm!.kvLayers, ac.llm!.kvLayers);
      assert.deepEqual(ag.notCosted, []);
      assert.deepEqual(ag.details.warnings.filter((w) => /missing|extra|shape|not in the/.test(w)), []);
      // Bytes by ggml type in the summary, and the same bytes the header says.
      // (GPT-2's stored lm_head copy is in the file, not in the graph.)
      const { gguf, hf } = readGgufAsHf(file);
      const want = new Map(hf.storedBytesByType);
      for (const cp of hf.copies) {
        const t = gguf.tensors.get(cp.name)!;
        want.set(t.type.name, want.get(t.type.name)! - t.bytes);
      }
      // Block-quantized tensors by ggml type, the others by their IR dtype (F32 → float32), as every format.
      const byKind = new Map<string, number>();
      for (const [t, b] of want) {
        const k = ggmlTypeByName(t)!.quantized ? t : ggmlTypeByName(t)!.dtype;
        byKind.set(k, (byKind.get(k) ?? 0) + b);
      }
      assert.deepEqual(ag.details.weightBytesByDtype, Object.fromEntries(byKind));
    });
  }

  it('the HF tensors of each GGUF are the transformers state_dict: same names, same shapes', () => {
    for (const c of CASES) {
      const file = path.join(dir, `${c.folder}-names.gguf`);
      writeGguf(file, c.make().kv, c.make().tensors);
      const { hf } = readGgufAsHf(file);
      const got = new Map(hf.tensors.map((t) => [t.name, t.dims.join('x')]));
      const want = new Map(hfTensors(config(c.folder)).map((t) => [t.name, t.shape.join('x')]));
      assert.deepEqual([...got].sort(), [...want].sort(), c.folder);
    }
  });

  it('a split GGUF opened from its second shard analyses like the single file', async () => {
    const cp = llamaFamily(config('mixtral-8x7b-v0.1'), 'Mixtral 8x7B');
    const files = split(cp, 4).map((p, i) => {
      const f = path.join(dir, `mixtral-Q4_K_M-0000${i + 1}-of-00004.gguf`);
      writeGguf(f, p.kv, p.tensors);
      return f;
    });
    const one = path.join(dir, 'mixtral-one.gguf');
    writeGguf(one, cp.kv, cp.tensors);
    const a = analyzeModel(await loadModel(files[1]), { dims: DIMS });
    const b = analyzeModel(await loadModel(one), { dims: DIMS });
    assert.equal(a.totals.params, b.totals.params);
    assert.equal(a.totals.weightBytes, b.totals.weightBytes);
    assert.equal(a.llm!.params.activePerToken, b.llm!.params.activePerToken);
  });

  it('an unknown architecture: a tensor view and a warning, never a crash', async () => {
    const file = path.join(dir, 'rwkv.gguf');
    writeGguf(file, [{ key: 'general.architecture', type: 'string', value: 'rwkv6' }, { key: 'rwkv6.block_count', type: 'uint32', value: 2 }, { key: 'rwkv6.embedding_length', type: 'uint32', value: 64 }], [
      { name: 'token_embd.weight', ne: [64, 100], type: 'F16' },
      { name: 'blk.0.time_mix_key.weight', ne: [64, 64], type: 'Q8_0' },
      { name: 'blk.1.time_mix_key.weight', ne: [64, 64], type: 'Q8_0' },
    ]);
    const m = await loadModel(file);
    const a = analyzeModel(m, { dims: DIMS });
    assert.equal(a.totals.params, 64 * 100 + 2 * 64 * 64);
    assert.match(m.warnings.join(' '), /rwkv6/);
  });
  it('CLI: analyze --json on a Llama-2-7B GGUF gives the README figures; plan works; a hostile GGUF is one error line', async () => {
    const run = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(args, (s) => out.push(s), (s) => err.push(s));
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const file = path.join(dir, 'llama-2-7b.Q4_K_M.gguf');
    const cp = llamaFamily(config('llama-2-7b'), 'LLaMA v2');
    writeGguf(file, cp.kv, cp.tensors);
    const r = await run(['analyze', file, '--json', '--dim', 'batch=1', '--dim', 'sequence=128', '--context', '4096']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.format, 'gguf');
    // ../shared/models/llm/README.md: 850,000,871,424 prefill MACs at (1, 128), 7,680,819,200 per decoded token at 4096.
    assert.equal(j.llm.prefill.macs, 850_000_871_424);
    assert.equal(j.llm.decode.macsPerToken, 7_680_819_200);
    assert.equal(j.llm.kvCacheBytesPerToken, 524_288);
    assert.equal(j.llm.params.total, 6_738_415_616);
    assert.equal(j.llm.weightBytes, [...readGgufAsHf(file).hf.storedBytesByType.values()].reduce((a, b) => a + b, 0));
    const p = await run(['plan', file, '--memory', '8GiB', '--context', '4096', '--json']);
    assert.equal(p.code, 0, p.err);
    const bad = path.join(dir, 'bad.gguf');
    writeFileSync(bad, new Bytes().raw(Buffer.from('GGUF')).u32(3).u64(2n ** 63n).u64(0).toBuffer());
    const e = await run(['analyze', bad]);
    assert.equal(e.code, 1);
    assert.equal(e.err.split('\n').length, 1);
    assert.match(e.err, /^error: .*bad\.gguf: invalid GGUF header: tensor count at offset 8 is 9223372036854775808/);
  });
});
