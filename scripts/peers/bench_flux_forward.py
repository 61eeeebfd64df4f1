"""One forward of BFL's reference Flux model (black-forest-labs/flux src/flux/model.py, exported into .peers/flux by
fetch-bfl-flux.sh) on Debian's PyTorch, CPU, float32, with random weights: the peer of FluxServe's
`flux-forward` benchmark. Configs: `tiny` (the flux-tiny-schnell fixture's shape) and `mid` (hidden 768, 4 double +
8 single blocks, 1024 image + 256 text tokens).

usage: /usr/bin/python3 scripts/peers/bench_flux_forward.py [tiny|mid] [repeats]
"""
import math
import os
import re
import sys
import time
import types

import torch

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", ".peers", "flux", "src")


def _rearrange(x, pattern, **sizes):
    """Just enough of einops.rearrange for the reference code's patterns (no ellipsis, no repeats)."""
    lhs, rhs = (side.strip() for side in pattern.split("->"))

    def parse(side):
        out, tokens = [], re.findall(r"\([^)]*\)|[^\s()]+", side)
        for tok in tokens:
            out.append(tok[1:-1].split() if tok.startswith("(") else [tok])
        return out

    left, right = parse(lhs), parse(rhs)
    dims = dict(sizes)
    for group, size in zip(left, x.shape):
        unknown = [n for n in group if n not in dims]
        known = math.prod(dims[n] for n in group if n in dims)
        if len(unknown) == 1:
            dims[unknown[0]] = size // known
    flat = [n for g in left for n in g]
    x = x.reshape([dims[n] for n in flat])
    order = [flat.index(n) for g in right for n in g]
    x = x.permute(order)
    return x.reshape([math.prod(dims[n] for n in g) for g in right])


def install_shims():
    einops = types.ModuleType("einops")
    einops.rearrange = _rearrange
    sys.modules["einops"] = einops
    if not hasattr(torch.nn.functional, "scaled_dot_product_attention"):
        # torch 1.13 lacks it; the reference calls it with defaults only (as the fixtures' harness did).
        def sdpa(q, k, v):
            w = torch.softmax((q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1]), dim=-1)
            return w @ v
        torch.nn.functional.scaled_dot_product_attention = sdpa
    sys.path.insert(0, ROOT)


CONFIGS = {
    "tiny": dict(hidden=128, heads=2, depth=2, single=2, vec=32, ctx=48, axes=[8, 28, 28], h=16, w=16, txt=8),
    "mid": dict(hidden=768, heads=6, depth=4, single=8, vec=768, ctx=4096, axes=[16, 56, 56], h=64, w=64, txt=256),
}


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "mid"
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count())))
    install_shims()
    from flux.model import Flux, FluxParams

    c = CONFIGS[name]
    params = FluxParams(in_channels=64, out_channels=64, vec_in_dim=c["vec"], context_in_dim=c["ctx"],
                        hidden_size=c["hidden"], mlp_ratio=4.0, num_heads=c["heads"], depth=c["depth"],
                        depth_single_blocks=c["single"], axes_dim=c["axes"], theta=10000, qkv_bias=True,
                        guidance_embed=False)
    torch.manual_seed(0)
    model = Flux(params).eval()
    li = (c["h"] // 2) * (c["w"] // 2)
    img = torch.randn(1, li, 64)
    ids = torch.zeros(1, li, 3)
    ids[0, :, 1] = torch.arange(c["h"] // 2).repeat_interleave(c["w"] // 2).float()
    ids[0, :, 2] = torch.arange(c["w"] // 2).repeat(c["h"] // 2).float()
    txt = torch.randn(1, c["txt"], c["ctx"])
    txt_ids = torch.zeros(1, c["txt"], 3)
    y = torch.randn(1, c["vec"])
    t = torch.tensor([0.5])
    with torch.no_grad():
        model(img, ids, txt, txt_ids, t, y)  # warm-up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model(img, ids, txt, txt_ids, t, y)
            times.append(time.perf_counter() - start)
    times.sort()
    print(f"peer=bfl-flux torch={torch.__version__} threads={torch.get_num_threads()} config={name} "
          f"image_tokens={li} text_tokens={c['txt']} median_ms={1000 * times[len(times) // 2]:.2f} min_ms={1000 * times[0]:.2f}")


if __name__ == "__main__":
    main()
