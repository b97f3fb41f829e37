#!/usr/bin/python3
"""Exports reference ONNX models and their torch-side ground truth for ModelLens' analysis tests.

    /usr/bin/python3 scripts/export-reference-models.py [OUT_DIR] [--only name,name]

Needs Debian's python3-torch, python3-torchvision and python3-onnx (apt-get install -y ...). Writes
OUT_DIR/<name>.onnx and OUT_DIR/reference.json (default OUT_DIR: /tmp/modellens-ref; never commit it).
Then: MODELLENS_REF_MODELS=OUT_DIR npx mocha test/unit/analysis/referenceModels.test.ts

Ground truth, computed here and not by ModelLens:
  params_onnx  elements of floating-point initializers (onnx library), what ModelLens calls params
  params_torch torch parameter count (for the record: BN folding and running stats make them differ)
  macs         torch forward hooks, the shared manifest's convention (mac_convention):
               Conv: out_elems * in_ch/groups * prod(kernel); ConvTranspose: in_elems * out_ch/groups *
               prod(kernel); Linear: out_elems * in_features; LSTM/GRU/RNN: seq*batch*dirs*gates*H*(I+H)
               per layer; MultiheadAttention: in-projection + QK^T + AV + out-projection; hand-written
               attention modules count their own matmuls (see CausalSelfAttention.count_macs).
  outputs      torch output shapes at the traced input shapes; symbolic axes named in `dims`.
Weights are random and seeded; every parameter is perturbed so that torch does not merge equal tensors.
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class CausalSelfAttention(nn.Module):
    """GPT-2 style: fused qkv Linear, causal mask buffer sliced to the sequence length."""

    def __init__(self, d, heads, max_len=256):
        super().__init__()
        self.h = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.register_buffer('mask', torch.tril(torch.ones(max_len, max_len)).view(1, 1, max_len, max_len))

    def forward(self, x):
        b, t, d = x.size()
        q, k, v = self.qkv(x).split(d, dim=2)
        q = q.view(b, t, self.h, d // self.h).transpose(1, 2)
        k = k.view(b, t, self.h, d // self.h).transpose(1, 2)
        v = v.view(b, t, self.h, d // self.h).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d // self.h))
        att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float('-inf'))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, d)
        return self.proj(y)

    @staticmethod
    def count_macs(mod, inp, out):
        b, t, d = inp[0].shape
        return 2 * b * t * t * d  # QK^T and AV; the Linear submodules are hooked themselves


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = CausalSelfAttention(d, heads)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.out = nn.Linear(4 * d, d)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class TinyGPT(nn.Module):
    def __init__(self, vocab=1000, d=128, heads=4, layers=2, max_len=256):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(max_len, d)
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        t = ids.shape[1]
        pos = torch.arange(0, t, dtype=torch.long, device=ids.device).unsqueeze(0)
        x = self.wte(ids) + self.wpe(pos)
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln(x))


class TinyGPTTied(TinyGPT):
    """GPT-2's tied lm_head: torch.onnx folds Transpose(wte) into a second, transposed initializer."""

    def __init__(self):
        super().__init__()
        self.head.weight = self.wte.weight


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class LlamaAttention(nn.Module):
    """Llama-style GQA with rotary embeddings and a KV cache (past in, present out), as HF writes it
    (repeat_kv by expand + reshape). No causal mask: it changes neither shapes nor costs."""

    def __init__(self, d, heads, kv_heads, max_len=256):
        super().__init__()
        self.h, self.kv, self.e = heads, kv_heads, d // heads
        self.q_proj = nn.Linear(d, heads * self.e, bias=False)
        self.k_proj = nn.Linear(d, kv_heads * self.e, bias=False)
        self.v_proj = nn.Linear(d, kv_heads * self.e, bias=False)
        self.o_proj = nn.Linear(heads * self.e, d, bias=False)
        inv = 1.0 / (10000 ** (torch.arange(0, self.e, 2).float() / self.e))
        f = torch.outer(torch.arange(max_len).float(), inv)
        emb = torch.cat((f, f), -1)
        self.register_buffer('cos', emb.cos())
        self.register_buffer('sin', emb.sin())

    def forward(self, x, past_k, past_v):
        b, s, _ = x.shape
        p = past_k.shape[2]
        q = self.q_proj(x).view(b, s, self.h, self.e).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.kv, self.e).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.kv, self.e).transpose(1, 2)
        cos, sin = self.cos[p:p + s], self.sin[p:p + s]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = torch.cat([past_k, k], 2)
        v = torch.cat([past_v, v], 2)
        t = k.shape[2]
        rep = self.h // self.kv
        kk = k[:, :, None].expand(b, self.kv, rep, t, self.e).reshape(b, self.h, t, self.e)
        vv = v[:, :, None].expand(b, self.kv, rep, t, self.e).reshape(b, self.h, t, self.e)
        att = F.softmax((q @ kk.transpose(-2, -1)) / math.sqrt(self.e), dim=-1)
        y = (att @ vv).transpose(1, 2).reshape(b, s, self.h * self.e)
        return self.o_proj(y), k, v

    @staticmethod
    def count_macs(mod, inp, out):
        x, past_k = inp[0], inp[1]
        b, s, _ = x.shape
        t = past_k.shape[2] + s
        return 2 * b * mod.h * s * t * mod.e  # QK^T and AV over past + new; projections hook themselves


class LlamaBlock(nn.Module):
    def __init__(self, d, heads, kv_heads, ff):
        super().__init__()
        self.input_layernorm = RMSNorm(d)
        self.self_attn = LlamaAttention(d, heads, kv_heads)
        self.post_attention_layernorm = RMSNorm(d)
        self.gate_proj = nn.Linear(d, ff, bias=False)
        self.up_proj = nn.Linear(d, ff, bias=False)
        self.down_proj = nn.Linear(ff, d, bias=False)

    def forward(self, x, past_k, past_v):
        a, k, v = self.self_attn(self.input_layernorm(x), past_k, past_v)
        x = x + a
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h)), k, v


class TinyLlamaKV(nn.Module):
    """A Llama-style decoder step with its KV cache as graph inputs/outputs (Optimum's names)."""
    CONFIG = {'layers': 2, 'hiddenSize': 64, 'heads': 4, 'kvHeads': 2, 'headDim': 16, 'vocab': 512}

    def __init__(self, vocab=512, d=64, heads=4, kv_heads=2, layers=2, ff=172):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList([LlamaBlock(d, heads, kv_heads, ff) for _ in range(layers)])
        self.norm = RMSNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)

    def forward(self, ids, *past):
        x = self.embed_tokens(ids)
        presents = []
        for i, layer in enumerate(self.layers):
            x, k, v = layer(x, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        return (self.lm_head(self.norm(x)), *presents)


KV_NAMES = [f'past_key_values.{l}.{k}' for l in range(2) for k in ('key', 'value')]


class GRUTagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(32, 64, num_layers=2, bidirectional=True, batch_first=True)
        self.rnn = nn.RNN(128, 48, batch_first=True)
        self.fc = nn.Linear(48, 10)

    def forward(self, x):
        y, _ = self.gru(x)
        y, _ = self.rnn(y)
        return self.fc(y)


class DCGANGenerator(nn.Module):
    def __init__(self, nz=64, ngf=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, 3, 4, 2, 1, bias=True), nn.Tanh())

    def forward(self, z):
        return self.net(z)


class TinyUNet(nn.Module):
    def __init__(self):
        super().__init__()
        def block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(inplace=True))
        self.e1, self.e2, self.e3 = block(3, 16), block(16, 32), block(32, 64)
        self.up2 = nn.ConvTranspose2d(64, 32, 2, stride=2)
        self.d2 = block(64, 32)
        self.up1 = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False)
        self.d1 = block(48, 16)
        self.head = nn.Conv2d(16, 2, 1)

    def forward(self, x):
        a = self.e1(x)
        b = self.e2(F.max_pool2d(a, 2))
        c = self.e3(F.max_pool2d(b, 2, ceil_mode=True))
        d = self.d2(torch.cat([self.up2(c), b], 1))
        return self.head(self.d1(torch.cat([self.up1(d), a], 1)))


class LoopRNN(nn.Module):
    """Scripted: a Python loop over time becomes an ONNX Loop whose trip count comes from Shape."""

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(16, 32)
        self.rec = nn.Linear(32, 32)
        self.out = nn.Linear(32, 4)

    def forward(self, x):
        h = torch.zeros(x.size(1), 32)
        for t in range(x.size(0)):
            h = torch.tanh(self.inp(x[t]) + self.rec(h))
        if bool(h.sum() > 0):
            h = h * 2.0
        else:
            h = h - 1.0
        return self.out(h)


class OutOnly(nn.Module):
    """Segmentation models return a dict; export its 'out' tensor."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x)['out']


def tv_seg(name):
    import torchvision.models.segmentation as seg
    return lambda: OutOnly(getattr(seg, name)(weights=None, weights_backbone=None, aux_loss=False))


def tv(name, **kw):
    import torchvision.models as m
    return lambda: getattr(m, name)(weights=None, **kw)


def transformer_decoder():
    layer = nn.TransformerDecoderLayer(d_model=64, nhead=4, dim_feedforward=128, batch_first=True)
    return nn.TransformerDecoder(layer, num_layers=2)


# name -> (builder, example inputs, input names, dynamic axes {input: {axis: dim name}}, opset)
MODELS = {
    'resnet50': (tv('resnet50'), lambda: (torch.randn(1, 3, 224, 224),), ['input'], None, 13),
    'densenet121': (tv('densenet121'), lambda: (torch.randn(1, 3, 224, 224),), ['input'], None, 13),
    'efficientnet_b0': (tv('efficientnet_b0'), lambda: (torch.randn(1, 3, 224, 224),), ['input'], None, 13),
    'vit_b_16': (tv('vit_b_16'), lambda: (torch.randn(1, 3, 224, 224),), ['input'], None, 14),
    'regnet_y_400mf': (tv('regnet_y_400mf'), lambda: (torch.randn(1, 3, 224, 224),), ['input'], None, 13),
    'convnext_tiny': (tv('convnext_tiny'), lambda: (torch.randn(1, 3, 224, 224),), ['input'], None, 13),
    'mobilenet_v2_dynbatch': (tv('mobilenet_v2'), lambda: (torch.randn(2, 3, 160, 160),), ['input'], {'input': {0: 'batch'}}, 13),
    'tiny_gpt_dynamic': (TinyGPT, lambda: (torch.randint(0, 1000, (2, 64)),), ['ids'], {'ids': {0: 'batch', 1: 'sequence'}}, 14),
    'tiny_gpt_dynamic_op17': (TinyGPT, lambda: (torch.randint(0, 1000, (1, 40)),), ['ids'], {'ids': {0: 'batch', 1: 'sequence'}}, 17),
    'tiny_gpt_tied': (TinyGPTTied, lambda: (torch.randint(0, 1000, (2, 64)),), ['ids'], {'ids': {0: 'batch', 1: 'sequence'}}, 14),
    'tiny_llama_kv': (TinyLlamaKV, lambda: (torch.randint(0, 512, (1, 5)), *[torch.randn(1, 2, 7, 16) for _ in KV_NAMES]), ['input_ids', *KV_NAMES],
                      {'input_ids': {0: 'batch', 1: 'sequence'}, **{n: {0: 'batch', 2: 'past_sequence_length'} for n in KV_NAMES}}, 14),
    'transformer_encoder_dynamic': (lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4, 128, batch_first=True), 2, enable_nested_tensor=False), lambda: (torch.randn(2, 33, 64),), ['src'], {'src': {0: 'batch', 1: 'sequence'}}, 13),
    'transformer_decoder': (transformer_decoder, lambda: (torch.randn(2, 20, 64), torch.randn(2, 30, 64)), ['tgt', 'memory'], None, 13),
    'gru_rnn_tagger': (GRUTagger, lambda: (torch.randn(3, 50, 32),), ['x'], {'x': {0: 'batch', 1: 'steps'}}, 13),
    'dcgan_generator': (DCGANGenerator, lambda: (torch.randn(1, 64, 1, 1),), ['z'], None, 13),
    'tiny_unet': (TinyUNet, lambda: (torch.randn(1, 3, 96, 96),), ['image'], None, 13),
    'tiny_unet_op11': (TinyUNet, lambda: (torch.randn(1, 3, 64, 64),), ['image'], None, 11),
    'resnet18_op9': (tv('resnet18'), lambda: (torch.randn(1, 3, 224, 224),), ['input'], None, 9),
    'alexnet': (tv('alexnet'), lambda: (torch.randn(1, 3, 224, 224),), ['input'], None, 13),
    'vgg11_bn': (tv('vgg11_bn'), lambda: (torch.randn(1, 3, 224, 224),), ['input'], None, 13),
    'inception_v3': (tv('inception_v3', aux_logits=False, init_weights=False), lambda: (torch.randn(1, 3, 299, 299),), ['input'], None, 13),
    'googlenet': (tv('googlenet', aux_logits=False, init_weights=False), lambda: (torch.randn(1, 3, 224, 224),), ['input'], None, 13),
    'mnasnet0_5': (tv('mnasnet0_5'), lambda: (torch.randn(1, 3, 224, 224),), ['input'], None, 13),
    'mobilenet_v3_large_op17': (tv('mobilenet_v3_large'), lambda: (torch.randn(1, 3, 224, 224),), ['input'], None, 17),
    'efficientnet_v2_s': (tv('efficientnet_v2_s'), lambda: (torch.randn(1, 3, 256, 256),), ['input'], None, 13),
    'resnext50_32x4d': (tv('resnext50_32x4d'), lambda: (torch.randn(1, 3, 224, 224),), ['input'], None, 13),
    'swin_t': (tv('swin_t'), lambda: (torch.randn(1, 3, 224, 224),), ['input'], None, 14),
    'deeplabv3_mobilenet_v3_large': (tv_seg('deeplabv3_mobilenet_v3_large'), lambda: (torch.randn(1, 3, 256, 256),), ['input'], None, 13),
    'scripted_loop_rnn': (LoopRNN, lambda: (torch.randn(12, 2, 16),), ['x'], {'x': {0: 'steps', 1: 'batch'}}, 13),
}


def count_macs(model, inputs):
    total = [0]
    per_layer = []

    def add(name, kind, macs, out):
        total[0] += int(macs)
        shape = list(out.shape) if torch.is_tensor(out) else None
        per_layer.append({'name': name, 'type': kind, 'macs': int(macs), 'output_shape': shape})

    def hook(name):
        def f(mod, inp, out):
            x = inp[0] if inp else None
            if isinstance(mod, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
                add(name, type(mod).__name__, out.numel() * (mod.in_channels // mod.groups) * math.prod(mod.kernel_size), out)
            elif isinstance(mod, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
                add(name, type(mod).__name__, x.numel() * (mod.out_channels // mod.groups) * math.prod(mod.kernel_size), out)
            elif isinstance(mod, nn.Linear):
                add(name, 'Linear', out.numel() * mod.in_features, out)
            elif isinstance(mod, (nn.LSTM, nn.GRU, nn.RNN)):
                gates = {nn.LSTM: 4, nn.GRU: 3, nn.RNN: 1}[type(mod)]
                seq, batch = (x.shape[1], x.shape[0]) if mod.batch_first else (x.shape[0], x.shape[1])
                dirs = 2 if mod.bidirectional else 1
                h = mod.hidden_size
                macs = 0
                for layer in range(mod.num_layers):
                    i = mod.input_size if layer == 0 else h * dirs
                    macs += seq * batch * dirs * gates * h * (i + h)
                add(name, type(mod).__name__, macs, out[0])
            elif isinstance(mod, nn.MultiheadAttention):
                # torch 1.13 hooks do not see keyword arguments (torchvision's ViT passes query=x,
                # key=x): then it is self-attention and the output has the query's shape.
                q, k = (inp[0], inp[1]) if len(inp) >= 2 else (out[0], out[0])
                if mod.batch_first:
                    n, l, e = q.shape
                    s = k.shape[1]
                else:
                    l, n, e = q.shape
                    s = k.shape[0]
                macs = n * l * e * e + 2 * n * s * e * e + 2 * n * l * s * e + n * l * e * e
                add(name, 'MultiheadAttention', macs, out[0])
            elif type(mod).__name__ == 'ShiftedWindowAttention':
                # torchvision's Swin calls F.linear on qkv/proj weights (no Linear hooks fire): all on
                # window-padded tokens; per window of N tokens QK^T and AV cost N*N*C each.
                b, h, w, c = x.shape
                wh, ww = mod.window_size
                tokens = b * math.ceil(h / wh) * wh * math.ceil(w / ww) * ww
                n = wh * ww
                add(name, 'ShiftedWindowAttention', tokens * c * 3 * c + 2 * tokens * n * c + tokens * c * c, out)
            elif isinstance(mod, LlamaAttention):
                add(name, 'LlamaAttention', LlamaAttention.count_macs(mod, inp, out), out[0])
            elif isinstance(mod, CausalSelfAttention):
                add(name, 'CausalSelfAttention', CausalSelfAttention.count_macs(mod, inp, out), out)
        return f

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules()]
    # With autograd on, torch's fused inference fast paths (TransformerEncoderLayer) stay off, so
    # every submodule runs through its hooks.
    with torch.enable_grad():
        out = model(*inputs)
    for h in handles:
        h.remove()
    return total[0], per_layer, out


def onnx_used_names(graph):
    """Every value name a node reads, subgraph bodies included (a Loop body reads outer initializers)."""
    used = set()
    def walk(g):
        for n in g.node:
            used.update(n.input)
            for a in n.attribute:
                if a.HasField('g'):
                    walk(a.g)
                for sg in a.graphs:
                    walk(sg)
    walk(graph)
    return used


def onnx_float_initializer_elems(path):
    import onnx
    from onnx import TensorProto
    m = onnx.load(path, load_external_data=False)
    floats = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE, TensorProto.BFLOAT16}
    used = onnx_used_names(m.graph)
    return sum(math.prod(t.dims) for t in m.graph.initializer if t.data_type in floats and t.name in used)


def onnx_unique_param_elems(path):
    """Float initializer elements with exact duplicates (equal, or 2-D transposes) counted once:
    numpy's full comparison, the ground truth for ModelLens' sampled search (same scope: tensors of at
    least 4096 elements that are not constant-filled)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, numpy_helper
    m = onnx.load(path)
    floats = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE}
    used = onnx_used_names(m.graph)
    arrs = [numpy_helper.to_array(t) for t in m.graph.initializer if t.data_type in floats and t.name in used]
    total = sum(a.size for a in arrs)
    kept = []
    for a in arrs:
        if a.size < 4096 or np.all(a == a.flat[0]):
            continue
        if any(k.dtype == a.dtype and ((k.shape == a.shape and np.array_equal(k, a)) or (a.ndim == 2 and k.shape == a.shape[::-1] and a.shape[0] != a.shape[1] and np.array_equal(k, a.T))) for k in kept):
            total -= a.size
        else:
            kept.append(a)
    return total


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    out_dir = os.path.abspath(args[0] if args else '/tmp/modellens-ref')
    only = None
    for a in sys.argv[1:]:
        if a.startswith('--only='):
            only = set(a.split('=', 1)[1].split(','))
    os.makedirs(out_dir, exist_ok=True)
    ref_path = os.path.join(out_dir, 'reference.json')
    refs = json.load(open(ref_path)) if os.path.exists(ref_path) else {'generator': f'torch {torch.__version__}', 'models': {}}
    for name, (build, make_inputs, in_names, dyn, opset) in MODELS.items():
        if only and name not in only:
            continue
        torch.manual_seed(0)
        model = build().eval()
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn_like(p) * 1e-3)
        inputs = make_inputs()
        macs, per_layer, out = count_macs(model, inputs)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        path = os.path.join(out_dir, f'{name}.onnx')
        dynamic_axes = dict(dyn) if dyn else None
        out_names = [f'output{i}' if len(outs) > 1 else 'output' for i in range(len(outs))]
        if name == 'tiny_llama_kv':
            out_names = ['logits', *[n.replace('past_key_values', 'present') for n in KV_NAMES]]
        if name == 'tiny_llama_kv':
            dynamic_axes = dict(dyn)
            dynamic_axes['logits'] = {0: 'batch', 1: 'sequence'}
            for n in out_names[1:]:
                dynamic_axes[n] = {0: 'batch', 2: 'total_sequence_length'}
        elif dyn:
            dynamic_axes = dict(dyn)
            # Outputs share the inputs' leading symbolic axes (batch, and sequence where present).
            for o in out_names:
                dynamic_axes[o] = {k: v for k, v in next(iter(dyn.values())).items()}
        try:
            # Hooks count on the eager module; `scripted_*` models are exported scripted (Loop/If).
            exported = torch.jit.script(model) if name.startswith('scripted_') else model
            torch.onnx.export(exported, inputs, path, input_names=in_names, output_names=out_names, opset_version=opset, dynamic_axes=dynamic_axes, do_constant_folding=True)
        except Exception as e:  # noqa: BLE001 - record and go on with the other models
            print(f'{name}: export failed: {e}', file=sys.stderr)
            continue
        dims = {}
        if dyn:
            for i, axes in dyn.items():
                x = inputs[in_names.index(i)]
                for ax, dname in axes.items():
                    dims[dname] = int(x.shape[ax])
        if macs == 0:
            print(f'{name}: torch hooks counted no MACs; reference not recorded', file=sys.stderr)
            continue
        refs['models'][name] = {
            'file': f'{name}.onnx',
            'opset': opset,
            'dims': dims,
            'params_torch': sum(p.numel() for p in model.parameters()),
            'params_onnx': onnx_float_initializer_elems(path),
            'params_unique': onnx_unique_param_elems(path),
            'macs': macs,
            'outputs': [list(o.shape) for o in outs],
            'per_layer': per_layer,
        }
        if hasattr(model, 'CONFIG'):
            refs['models'][name]['llm'] = model.CONFIG
        print(f'{name}: params_onnx={refs["models"][name]["params_onnx"]} macs={macs}', flush=True)
        json.dump(refs, open(ref_path, 'w'), indent=1)


if __name__ == '__main__':
    main()
