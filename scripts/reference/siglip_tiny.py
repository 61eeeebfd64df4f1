#!/usr/bin/python3
"""Tiny random SigLIP vision tower in Hugging Face naming, with inputs and the expected last_hidden_state.

The forward pass below is written from torch.nn.functional primitives after the published SigLIP architecture
(transformers' SiglipVisionTransformer: patch conv with bias, learned positions, pre-LN encoder layers with
gelu_tanh MLPs and unmasked multi-head attention, post_layernorm), independently of FluxServe's C#. It runs in
float64 from the float32 weights, so the expected values do not depend on a summation order.

Run with Debian's interpreter (python3-torch 1.13):
    /usr/bin/python3 scripts/reference/siglip_tiny.py
Writes tests/FluxServe.Models.Tests/Siglip/Data/{model.safetensors,config.json,cases.safetensors}.
"""

import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

HIDDEN, LAYERS, HEADS, MLP = 32, 2, 4, 48
IMAGE, PATCH, CHANNELS = 44, 14, 3  # 44 // 14 = 3 -> 3x3 patches; pixels 42 and 43 of each row/column are never seen
EPS = 1e-6
GRID = IMAGE // PATCH

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "FluxServe.Models.Tests", "Siglip", "Data")


def make_weights(gen):
    def randn(*shape, std):
        return torch.randn(*shape, generator=gen, dtype=torch.float32) * std

    w = {}
    p = "vision_model."
    w[p + "embeddings.patch_embedding.weight"] = randn(HIDDEN, CHANNELS, PATCH, PATCH, std=0.05)
    w[p + "embeddings.patch_embedding.bias"] = randn(HIDDEN, std=0.1)
    w[p + "embeddings.position_embedding.weight"] = randn(GRID * GRID, HIDDEN, std=0.5)
    for i in range(LAYERS):
        lp = f"{p}encoder.layers.{i}."
        for norm in ("layer_norm1", "layer_norm2"):
            w[lp + norm + ".weight"] = 1.0 + randn(HIDDEN, std=0.2)
            w[lp + norm + ".bias"] = randn(HIDDEN, std=0.1)
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            w[lp + "self_attn." + proj + ".weight"] = randn(HIDDEN, HIDDEN, std=0.3)
            w[lp + "self_attn." + proj + ".bias"] = randn(HIDDEN, std=0.1)
        w[lp + "mlp.fc1.weight"] = randn(MLP, HIDDEN, std=0.3)
        w[lp + "mlp.fc1.bias"] = randn(MLP, std=0.1)
        w[lp + "mlp.fc2.weight"] = randn(HIDDEN, MLP, std=0.3)
        w[lp + "mlp.fc2.bias"] = randn(HIDDEN, std=0.1)
    w[p + "post_layernorm.weight"] = 1.0 + randn(HIDDEN, std=0.2)
    w[p + "post_layernorm.bias"] = randn(HIDDEN, std=0.1)

    # The attention-pooling head of the real checkpoints: present in the file, unused by Redux (must be ignored).
    h = p + "head."
    w[h + "probe"] = randn(1, 1, HIDDEN, std=0.5)
    w[h + "attention.in_proj_weight"] = randn(3 * HIDDEN, HIDDEN, std=0.3)
    w[h + "attention.in_proj_bias"] = randn(3 * HIDDEN, std=0.1)
    w[h + "attention.out_proj.weight"] = randn(HIDDEN, HIDDEN, std=0.3)
    w[h + "attention.out_proj.bias"] = randn(HIDDEN, std=0.1)
    w[h + "layernorm.weight"] = 1.0 + randn(HIDDEN, std=0.2)
    w[h + "layernorm.bias"] = randn(HIDDEN, std=0.1)
    w[h + "mlp.fc1.weight"] = randn(MLP, HIDDEN, std=0.3)
    w[h + "mlp.fc1.bias"] = randn(MLP, std=0.1)
    w[h + "mlp.fc2.weight"] = randn(HIDDEN, MLP, std=0.3)
    w[h + "mlp.fc2.bias"] = randn(HIDDEN, std=0.1)
    return w


def linear(x, w, name):
    return F.linear(x, w[name + ".weight"], w[name + ".bias"])


def tower(w64, pixels, eps):
    """last_hidden_state of the vision tower, float64."""
    p = "vision_model."
    x = F.conv2d(pixels, w64[p + "embeddings.patch_embedding.weight"], w64[p + "embeddings.patch_embedding.bias"], stride=PATCH)
    b = x.shape[0]
    x = x.flatten(2).transpose(1, 2)  # [B, D, g, g] -> [B, g*g, D], row-major over the grid
    x = x + w64[p + "embeddings.position_embedding.weight"]
    head_dim = HIDDEN // HEADS
    for i in range(LAYERS):
        lp = f"{p}encoder.layers.{i}."
        h = F.layer_norm(x, (HIDDEN,), w64[lp + "layer_norm1.weight"], w64[lp + "layer_norm1.bias"], eps)

        def heads(t):
            return t.reshape(b, -1, HEADS, head_dim).transpose(1, 2)

        q = heads(linear(h, w64, lp + "self_attn.q_proj"))
        k = heads(linear(h, w64, lp + "self_attn.k_proj"))
        v = heads(linear(h, w64, lp + "self_attn.v_proj"))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(head_dim)
        attended = torch.matmul(torch.softmax(scores, dim=-1), v)
        attended = attended.transpose(1, 2).reshape(b, -1, HIDDEN)
        x = x + linear(attended, w64, lp + "self_attn.out_proj")
        h = F.layer_norm(x, (HIDDEN,), w64[lp + "layer_norm2.weight"], w64[lp + "layer_norm2.bias"], eps)
        x = x + linear(F.gelu(linear(h, w64, lp + "mlp.fc1"), approximate="tanh"), w64, lp + "mlp.fc2")
    return F.layer_norm(x, (HIDDEN,), w64[p + "post_layernorm.weight"], w64[p + "post_layernorm.bias"], eps)


def main():
    gen = torch.Generator().manual_seed(20241121)
    weights = make_weights(gen)
    w64 = {k: v.double() for k, v in weights.items()}
    pixels = torch.rand(2, CHANNELS, IMAGE, IMAGE, generator=gen, dtype=torch.float32) * 2 - 1
    cases = {"pixels": pixels}
    cases["last_hidden_state"] = tower(w64, pixels.double(), EPS).float()
    cases["last_hidden_state_eps0.05"] = tower(w64, pixels.double(), 0.05).float()

    # The unseen border really is unseen: changing pixels 42..43 must not change anything.
    changed = pixels.double().clone()
    changed[:, :, GRID * PATCH :, :] = 5.0
    changed[:, :, :, GRID * PATCH :] = -5.0
    assert torch.equal(tower(w64, changed, EPS).float(), cases["last_hidden_state"])

    os.makedirs(OUT, exist_ok=True)
    meta = {"generator": "scripts/reference/siglip_tiny.py", "torch": torch.__version__}
    safetensors_io.save(os.path.join(OUT, "model.safetensors"), weights, meta)
    safetensors_io.save(os.path.join(OUT, "cases.safetensors"), cases, meta)
    config = {
        "model_type": "siglip_vision_model",
        "hidden_size": HIDDEN,
        "intermediate_size": MLP,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "num_channels": CHANNELS,
        "image_size": IMAGE,
        "patch_size": PATCH,
        "hidden_act": "gelu_pytorch_tanh",
        "layer_norm_eps": EPS,
        "attention_dropout": 0.0,
    }
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")

    # Self-check of the writer.
    back = safetensors_io.load(os.path.join(OUT, "cases.safetensors"))
    assert torch.equal(back["last_hidden_state"], cases["last_hidden_state"])
    s = cases["last_hidden_state"]
    print(f"wrote {OUT}: last_hidden_state {list(s.shape)} mean {s.mean():.4f} std {s.std():.4f} max|x| {s.abs().max():.4f}")


if __name__ == "__main__":
    main()
