#!/usr/bin/python3
"""Reference values for the SigLIP image preprocessing of FLUX.1 Redux (spec/redux.md §3).

* torch.nn.functional.interpolate(mode='bicubic', antialias=True, align_corners=False) on float32 images: the
  resampler of ComfyUI's clip_preprocess;
* ComfyUI mode end to end (written here from the spec's description of comfy/clip_vision.py clip_preprocess with
  crop=True): 8-bit image / 255, shortest side scaled with Python round, antialiased bicubic, center crop,
  round(clip(255 p, 0, 255)), stored as those 8-bit levels;
* HF / BFL mode: PIL Image.resize((size, size), BICUBIC) on the 8-bit image (what SiglipImageProcessor does),
  stored as 8-bit levels.

Input images are not stored: they are a deterministic integer pattern that the C# test computes the same way.
Run with Debian's interpreter (python3-torch 1.13, python3-pil):
    /usr/bin/python3 scripts/reference/siglip_preprocess.py
Writes tests/FluxServe.Pipelines.Tests/Redux/Data/siglip-preprocess.safetensors.
"""

import os
import sys

import numpy as np
import PIL
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "FluxServe.Pipelines.Tests", "Redux", "Data")


def pattern(height, width, seed):
    """uint8 [H, W, 3]: gradients with a wrapped texture; the C# test computes the same integers."""
    y = np.arange(height, dtype=np.int64)[:, None, None]
    x = np.arange(width, dtype=np.int64)[None, :, None]
    c = np.arange(3, dtype=np.int64)[None, None, :]
    v = (5 * x + 3 * y + 40 * c + ((7 * x * y + 11 * seed + 13 * c * x) % 61) + 17 * seed) % 256
    return v.astype(np.uint8)


def as_float(img):
    """[H, W, 3] uint8 -> [1, 3, H, W] float32 in [0, 1], as ComfyUI loads images."""
    return (torch.from_numpy(img).float() / 255.0).movedim(-1, 0).unsqueeze(0)


def comfy_preprocess(img, size):
    """Returns (resized float before the crop or None, 8-bit levels [size, size, 3])."""
    x = as_float(img)
    h, w = x.shape[2], x.shape[3]
    resized = None
    if not (h == size and w == size):
        scale = size / min(h, w)
        new = (round(scale * h), round(scale * w))  # Python round: half to even
        x = F.interpolate(x, size=new, mode="bicubic", antialias=True, align_corners=False)
        resized = x[0].clone()
        top, left = (x.shape[2] - size) // 2, (x.shape[3] - size) // 2
        x = x[:, :, top : top + size, left : left + size]
    levels = torch.clip(255.0 * x, 0, 255).round()
    return resized, levels[0].movedim(0, -1).to(torch.uint8)


def main():
    out = {}
    seed = 0

    # 1. The float resampler alone: (H, W) -> (h, w), mixed up/down, one axis unchanged, strong reduction.
    for (h, w), (oh, ow) in [
        ((40, 30), (17, 23)),
        ((37, 53), (37, 20)),
        ((64, 64), (13, 13)),
        ((13, 9), (40, 31)),
        ((121, 90), (24, 24)),
        ((300, 200), (48, 32)),
        ((5, 1), (2, 3)),
    ]:
        seed += 1
        x = as_float(pattern(h, w, seed))
        y = F.interpolate(x, size=(oh, ow), mode="bicubic", antialias=True, align_corners=False)
        out[f"torch.{h}x{w}.{oh}x{ow}.seed{seed}"] = y[0].contiguous()

    # 2. ComfyUI mode end to end (the last one at the real 384, with a 64-row crop; (20, 26) -> 32.5 rounds to 32).
    for (h, w), size in [((50, 80), 24), ((81, 40), 48), ((30, 30), 48), ((48, 48), 48), ((20, 26), 25), ((33, 17), 20), ((600, 450), 384)]:
        seed += 1
        resized, levels = comfy_preprocess(pattern(h, w, seed), size)
        out[f"comfy.{h}x{w}.s{size}.seed{seed}"] = levels.contiguous()
        if resized is not None and size < 384:
            out[f"comfy.{h}x{w}.s{size}.seed{seed}.resized"] = resized.contiguous()

    # 3. HF / BFL mode: PIL bicubic straight to size x size on the 8-bit image.
    for (h, w), size in [((50, 80), 24), ((81, 40), 48), ((30, 30), 48), ((48, 48), 48), ((13, 9), 40), ((300, 200), 48), ((37, 53), 20)]:
        seed += 1
        img = Image.fromarray(pattern(h, w, seed), "RGB").resize((size, size), Image.BICUBIC)
        out[f"hf.{h}x{w}.s{size}.seed{seed}"] = torch.from_numpy(np.asarray(img).copy())

    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "siglip-preprocess.safetensors")
    safetensors_io.save(path, out, {"generator": "scripts/reference/siglip_preprocess.py", "torch": torch.__version__, "pillow": PIL.__version__})
    back = safetensors_io.load(path)
    assert all(torch.equal(back[k], v) for k, v in out.items())
    print(f"wrote {path}: {len(out)} tensors, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
