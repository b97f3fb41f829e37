import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { loadModel } from '../../../src/core/formats';
import { countMotifs, findMotifs } from '../../../src/core/motifs/index';

/**
 * Real models, with expectations read from the shared manifest (torch's own module list) and from
 * torchvision's architecture tables, never from our output.
 */
describe('motifs (shared models)', () => {
  const SHARED = path.resolve(__dirname, '../../../../shared/models/onnx');
  const manifest = JSON.parse(readFileSync(path.join(SHARED, 'onnx_manifest.json'), 'utf8')) as { models: { file: string; per_layer: unknown }[] };
  type PL = { name: string; type: string; params: number; input_shape: number[]; output_shape: number[] };
  const perLayer = (file: string): PL[] => {
    const raw = manifest.models.find((m) => m.file === file)!.per_layer;
    // The manifest stores the list as Python repr text.
    return (typeof raw === 'string' ? JSON.parse(raw.replace(/'/g, '"').replace(/\bNone\b/g, 'null').replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false')) : raw) as PL[];
  };
  const analyse = async (file: string, dims: Record<string, number> = {}) => analyzeModel(await loadModel(path.join(SHARED, file)), { dims });

  it('mobilenet_v3_small: residual, depthwise-separable and SE counts match torchvision', async () => {
    const pl = perLayer('mobilenet_v3_small.onnx');
    // SE: torchvision's SqueezeExcitation ends in a Hardsigmoid "scale_activation", one per SE block.
    const se = pl.filter((l) => l.type === 'Hardsigmoid' && l.name.endsWith('scale_activation')).length;
    // Depthwise: Conv2d with Cin == Cout and params = C*k*k (no bias: BN follows); each is followed by the
    // block's 1x1 projection, so pairs = depthwise convs.
    const dw = pl.filter((l) => l.type === 'Conv2d' && l.input_shape[1] === l.output_shape[1] && l.input_shape[1] > 1 &&
      [9, 25].includes(l.params / l.output_shape[1])).length;
    // Residual: an InvertedResidual block (features.1..11) whose input shape equals its output shape.
    let res = 0;
    for (let i = 1; i <= 11; i++) {
      const blk = pl.filter((l) => l.name.startsWith(`features.${i}.`));
      if (JSON.stringify(blk[0].input_shape) === JSON.stringify(blk[blk.length - 1].output_shape)) res++;
    }
    assert.deepEqual([se, dw, res], [9, 11, 6], 'reference counts from the manifest');
    const c = countMotifs(findMotifs(await analyse('mobilenet_v3_small.onnx')));
    assert.deepEqual({ residual: c.residual, dw: c['depthwise-separable'], se: c['squeeze-excitation'], attention: c.attention },
      { residual: res, dw, se, attention: 0 });
  });

  it('tiny_bert (batch=1, sequence=128): one attention and two residuals per encoder layer', async () => {
    const pl = perLayer('tiny_bert_dynamic.onnx');
    const layers = pl.filter((l) => l.type === 'MultiheadAttention').length;
    // nn.TransformerEncoderLayer: x = norm1(x + attn(x)); x = norm2(x + ffn(x)).
    const residuals = pl.filter((l) => /^encoder\.layers\.\d+\.norm[12]$/.test(l.name)).length;
    const a = await analyse('tiny_bert_dynamic.onnx', { batch: 1, sequence: 128 });
    const motifs = findMotifs(a);
    const c = countMotifs(motifs);
    assert.deepEqual({ attention: c.attention, residual: c.residual, dw: c['depthwise-separable'], se: c['squeeze-excitation'] },
      { attention: layers, residual: residuals, dw: 0, se: 0 });
    // The encoder layers are found as repeated blocks.
    const rep = motifs.filter((m) => m.kind === 'repeated');
    assert.equal(rep.length, layers);
    assert.ok(rep.every((m) => m.repeat?.count === layers));
  });

  it('squeezenet1_0 has no residual, depthwise or attention motifs; shufflenet has depthwise pairs but no residual Add', async () => {
    const sq = countMotifs(findMotifs(await analyse('squeezenet1_0.onnx')));
    assert.deepEqual([sq.residual, sq['depthwise-separable'], sq.attention, sq['squeeze-excitation']], [0, 0, 0, 0]);
    // ShuffleNetV2 1.0x: 16 units (4+8+4), each with a dw3x3 -> 1x1 branch; the 3 downsampling units
    // add a second dw3x3 -> 1x1 branch. Units join by Concat + channel shuffle, never by Add.
    const sh = countMotifs(findMotifs(await analyse('shufflenet_v2_x1_0.onnx')));
    assert.deepEqual([sh.residual, sh['depthwise-separable']], [0, 16 + 3]);
  });
});

/** Keras models: counts from the architectures' papers, each written out below. */
describe('motifs (shared Keras models)', () => {
  const KERAS = path.resolve(__dirname, '../../../../shared/models/keras');
  const count = async (file: string) => countMotifs(findMotifs(analyzeModel(await loadModel(path.join(KERAS, file)), { dims: {} })));

  it('ResNet-50: 3+4+6+3 = 16 bottleneck blocks, each closed by an Add', async () => {
    const c = await count('tfjs_k2_tensorspace_resnet50.json');
    assert.deepEqual([c.residual, c['depthwise-separable'], c.attention], [3 + 4 + 6 + 3, 0, 0]);
  });

  it('MobileNetV1: 13 depthwise 3x3 + pointwise 1x1 pairs, no residuals', async () => {
    const c = await count('tfjs_k2_tensorspace_mobilenetv1.json');
    assert.deepEqual([c['depthwise-separable'], c.residual], [13, 0]);
  });

  it('MobileNetV2 (nested model): 17 inverted-residual blocks with a depthwise conv, 10 with a skip', async () => {
    // Blocks per stage (n) 1,2,3,4,3,3,1 = 17; the skip exists when stride 1 and Cin == Cout:
    // (2-1)+(3-1)+(4-1)+(3-1)+(3-1) = 10.
    const c = await count('tfjs_k3_fadhilah_mobilenetv2_nested.json');
    assert.deepEqual([c['depthwise-separable'], c.residual], [1 + 2 + 3 + 4 + 3 + 3 + 1, 1 + 2 + 3 + 2 + 2]);
  });

  it('ConvNeXt-Base: 3+3+27+3 = 36 blocks, each a residual', async () => {
    const c = await count('k3_advml_convnext.json');
    assert.equal(c.residual, 3 + 3 + 27 + 3);
  });
});
