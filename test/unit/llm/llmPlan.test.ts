import assert from 'node:assert/strict';
import path from 'node:path';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { memoryPlanFor } from '../../../src/core/analysis/llm';
import { blockParams, kvBytesPerToken, weightOnlyHints } from '../../../src/core/analysis/llmPlan';
import { storageBytes } from '../../../src/core/analysis/llmUnits';
import { loadModel } from '../../../src/core/formats';

const SHARED = path.resolve(__dirname, '../../../../shared/models/llm');
const GiB = 2 ** 30;

async function basisOf(dir: string) {
  const model = await loadModel(path.join(SHARED, dir, 'config.json'));
  // The analysis crosses a message boundary to the webview: only JSON survives.
  const full = JSON.parse(JSON.stringify(analyzeModel(model, { dims: { batch: 1, sequence: 128 } }))) as ReturnType<typeof analyzeModel>;
  return { model, full };
}

describe('LLM re-planning without re-analysis (the editor\'s slider and budget)', function () {
  this.timeout(120_000);

  for (const dir of ['mixtral-8x7b-v0.1', 'llama-2-7b', 'gpt2']) {
    it(`${dir}: the section's plan (memoryPlanFor, KV per token) equals a full analysis at the same options`, async () => {
      const { model, full } = await basisOf(dir);
      for (const o of [
        { context: 1024, kvDtype: 'fp16' as const, batch: 1, memoryBudget: 24 * GiB },
        { context: 32000, kvDtype: 'q8_0' as const, batch: 4, memoryBudget: 100 * GiB },
        { context: 7, kvDtype: 'fp8' as const, batch: 2 },
      ]) {
        const direct = analyzeModel(model, { dims: { batch: 1, sequence: 128 }, llm: { ...o, sequence: 128 } }).llm!;
        assert.deepEqual(memoryPlanFor(full.llm!, o), direct.plan);
        assert.equal(kvBytesPerToken(full.llm!, o.kvDtype), direct.kvCacheBytesPerToken);
      }
    });
  }

  it('context and budget change the KV cache, the plan and the fit', async () => {
    const { full } = await basisOf('mixtral-8x7b-v0.1');
    const a = memoryPlanFor(full.llm!, { context: 4096, memoryBudget: 90 * GiB });
    const b = memoryPlanFor(full.llm!, { context: 32768, memoryBudget: 90 * GiB });
    // Mixtral: 32 layers × 8 KV heads × 128 × 2 (K, V) × 2 bytes = 131,072 bytes per token (README).
    assert.equal(a.kvCacheBytes, 4096 * 131_072);
    assert.equal(b.kvCacheBytes, 32768 * 131_072);
    assert.equal(a.fits, true);
    assert.equal(b.fits, false);
    assert.ok(a.largestContext! > 4096 && a.largestContext! < 32768);
    assert.equal(a.largestContextLimitedBy, 'memory');
  });

  it('weight-only hints: bytes saved and the context that fits, from the plan', async () => {
    const { full } = await basisOf('mixtral-8x7b-v0.1');
    const opts = { context: 4096, memoryBudget: 48 * GiB };
    const hints = weightOnlyHints(full, opts);
    assert.deepEqual(hints.map((h) => h.id), ['weight-only-mlp-q4_0', 'weight-only-mlp-q8_0', 'weight-only-linear-q4_0', 'weight-only-linear-q8_0']);
    const mlp4 = hints[0];
    // The MLPs of Mixtral: 32 × (8 experts × 3 × 4096 × 14336 + router 4096 × 8) parameters, bf16 in the config.
    const mlpParams = 32 * (8 * 3 * 4096 * 14336 + 4096 * 8);
    assert.equal(mlp4.params, mlpParams);
    const perLayer = 8 * 3 * 4096 * 14336;
    const expectedSaved = 32 * (2 * perLayer - storageBytes('q4_0', perLayer)) + 32 * (2 * 4096 * 8 - storageBytes('q4_0', 4096 * 8));
    assert.equal(-mlp4.deltaBytes, expectedSaved);
    // 93 GB of bf16 weights do not fit 48 GiB; with int4 experts (~25 GB) they do, with context to spare.
    assert.equal(mlp4.largestContextBefore, 0);
    assert.ok(mlp4.plan.fits && mlp4.plan.largestContext! > 4096, JSON.stringify(mlp4.plan));
    assert.match(mlp4.notApplicable ?? '', /config\.json holds no weights/);
    assert.equal(mlp4.appliedBy, undefined);
    // Each format says its own reason; ONNX int8 is the quantize-int8 pass, ONNX int4 has none.
    const as = (format: typeof full.format) => weightOnlyHints({ ...full, format }, opts);
    assert.match(as('gguf')[0].notApplicable ?? '', /llama\.cpp quantize/);
    assert.match(as('safetensors')[0].notApplicable ?? '', /does not rewrite safetensors/);
    const onnx = as('onnx');
    assert.deepEqual(onnx.map((h) => h.appliedBy ?? null), [null, 'quantize-int8', null, 'quantize-int8']);
    assert.match(onnx[0].notApplicable ?? '', /no int4 pass for ONNX/);
    // All linear layers save more than the MLPs alone.
    assert.ok(hints[2].deltaBytes < mlp4.deltaBytes);
    // The hint's plan is the plan of a model whose MLP weights are Q4_0: the same as the full plan at
    // stored bytes minus what it saved (KV cache and activations unchanged).
    const base = memoryPlanFor(full.llm!, opts);
    assert.equal(mlp4.plan.weightBytes, base.weightBytes - expectedSaved);
    assert.equal(mlp4.plan.kvCacheBytes, base.kvCacheBytes);
    // A Q4 checkpoint gains nothing from int4: no layer is above the target size.
    const q4 = { ...full, layers: full.layers.map((l) => ({ ...l, weightBytes: Math.min(l.weightBytes, Math.ceil(l.params / 32) * 18) })) };
    assert.deepEqual(weightOnlyHints(q4, opts).map((h) => h.id).filter((id) => id.endsWith('q4_0')), []);
  });

  it('blockParams: attention / MLP / experts of one decoder block', async () => {
    const llama = (await basisOf('llama-2-7b')).full;
    assert.deepEqual(blockParams(llama), { blocks: 32, identical: true, attention: 4 * 4096 * 4096, mlp: 3 * 4096 * 11008, experts: 0, router: 0, other: 2 * 4096 });
    const mixtral = (await basisOf('mixtral-8x7b-v0.1')).full;
    const m = blockParams(mixtral)!;
    assert.equal(m.attention, 2 * 4096 * 4096 + 2 * 4096 * 1024);
    assert.equal(m.experts, 8 * 3 * 4096 * 14336);
    assert.equal(m.router, 4096 * 8);
    assert.equal(m.mlp, 0);
  });
});
