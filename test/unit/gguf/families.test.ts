// The other families through GGUF: headers as convert_hf_to_gguf.py writes them for ten published
// configs (test/unit/llm/configs.ts) → the same HF tensors as the transformers state_dict and the same
// analysis as the config.json path (parameters, active parameters, KV cache per layer, MACs).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { loadModel } from '../../../src/core/formats';
import { readGgufAsHf } from '../../../src/core/formats/gguf';
import { buildLlmModel } from '../../../src/core/formats/hf';
import { hfTensors } from '../llm/checkpoints';
import { UNSEEN } from '../llm/configs';
import { writeGguf } from './ggufWriter';
import { ggufOf } from './moreFamilies';

const dir = mkdtempSync(path.join(os.tmpdir(), 'modellens-gguf-fam-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// llama.cpp's BERT convert drops the pooler ("only using BERT for embeddings").
const NOT_IN_GGUF = /^pooler\./;

describe('GGUF: the other families (qwen2/3, MoE, gemma/gemma2, gpt-neox, falcon, bert)', function () {
  this.timeout(180_000);
  UNSEEN.forEach((u, i) => {
    it(u.name, async () => {
      const file = path.join(dir, `m${i}.gguf`);
      const cp = ggufOf(u.config);
      writeGguf(file, cp.kv, cp.tensors);
      const { hf } = readGgufAsHf(file);
      assert.deepEqual(hf.unmapped, []);
      const want = hfTensors(u.config).filter((t) => !NOT_IN_GGUF.test(t.name));
      assert.deepEqual(hf.tensors.map((t) => `${t.name} ${t.dims.join('x')}`).sort(), want.map((t) => `${t.name} ${t.shape.join('x')}`).sort());
      // convert_hf_to_gguf writes Mistral models as llama (no sliding window key).
      assert.equal(hf.config.model_type, u.config.model_type === 'mistral' ? 'llama' : u.config.model_type);

      const g = await loadModel(file);
      const c = buildLlmModel(u.config);
      const opts = { dims: { batch: 1, sequence: 64 }, llm: { context: 2048, sequence: 64 } };
      const ag = analyzeModel(g, opts);
      const ac = analyzeModel(c, opts);
      const pooler = hfTensors(u.config).filter((t) => NOT_IN_GGUF.test(t.name)).reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
      assert.equal(ag.totals.params, ac.totals.params - pooler);
      if (u.published !== undefined) assert.equal(ag.totals.params + pooler, u.published);
      assert.equal(ag.llm!.kvCacheBytesPerToken, ac.llm!.kvCacheBytesPerToken);
      assert.deepEqual(ag.llm!.kvLayers, ac.llm!.kvLayers);
      if (!pooler) {
        assert.equal(ag.llm!.params.activePerToken, ac.llm!.params.activePerToken);
        assert.equal(ag.llm!.linearMacsPerToken, ac.llm!.linearMacsPerToken);
        assert.equal(ag.llm!.prefill.macs, ac.llm!.prefill.macs);
      } else {
        // The builder keeps the pooler as a graph input (costed, not counted) and names it.
        assert.ok(ac.llm!.params.activePerToken - ag.llm!.params.activePerToken <= pooler);
        assert.match(ag.details.warnings.join(' '), /pooler\.dense/);
      }
      assert.deepEqual(ag.details.warnings.filter((w) => /do not have the config's shape|not part of the/.test(w)), []);
      if (!pooler) assert.deepEqual(ag.details.warnings.filter((w) => /not in the checkpoint/.test(w)), []);
    });
  });
});
