"""The Redux image path on Debian's PyTorch (CPU, float32, random weights): the peer of FluxServe's `redux-quick`.

One request: a 1024x768 8-bit RGB picture (the same pattern as ReduxBenchmarkCase.CreateImage) -> ComfyUI's SigLIP
preprocessing (pixels /255, short side to 384 with F.interpolate(bicubic, antialias=True), centre crop,
round(clip(255p)), (p - 0.5)/0.5) -> the SigLIP so400m vision tower up to last_hidden_state -> the FLUX.1 Redux
embedder redux_down(silu(redux_up(h))) -> bf16 rounding. The tower is written here with torch.nn.functional from the
published SigLIP vision architecture (patch conv with bias + learned positions, 27 pre-LN layers: LN -> q/k/v ->
softmax(q k^T / sqrt(d)) v -> out_proj -> residual, LN -> fc1 -> gelu(tanh) -> fc2 -> residual, post-LN; eps 1e-6).
Same protocol as redux-quick: stages timed inside each run, 1 warm-up, best and median of N runs; --ops times one
encoder layer's operations at the tower's shapes.

usage: env -u OPENBLAS_CORETYPE /usr/bin/python3 scripts/peers/bench_siglip_redux.py [--runs N] [--threads N] [--ops]
(OPENBLAS_CORETYPE unset so that OpenBLAS picks its AVX-512 kernels.) Debian's torch runs its GEMMs on OpenBLAS's own
pthreads and everything else on OpenMP threads that spin after each parallel region; on 2 cores the spinning threads
hold the cores OpenBLAS needs, which costs the tower ~1.5-3 s. OMP_WAIT_POLICY=PASSIVE in the environment avoids that
(its preprocessing then pays thread wake-ups instead): report both.
"""
import argparse
import math
import os
import resource
import time

import torch
import torch.nn.functional as F

WIDTH, LAYERS, HEADS, MLP, PATCH, SIZE, EPS = 1152, 27, 16, 4304, 14, 384, 1e-6
GRID = SIZE // PATCH
TOKENS = GRID * GRID
REDUX_HIDDEN, CONTEXT = 12288, 4096


def picture(width=1024, height=768):
    """level = (3x + 5y + 85c + ((x*y) >> 4)) mod 256, as [H, W, 3] uint8 (ReduxBenchmarkCase.CreateImage)."""
    y = torch.arange(height, dtype=torch.int64).view(-1, 1, 1)
    x = torch.arange(width, dtype=torch.int64).view(1, -1, 1)
    c = torch.arange(3, dtype=torch.int64).view(1, 1, -1)
    return ((3 * x + 5 * y + 85 * c + ((x * y) >> 4)) & 255).to(torch.uint8)


def preprocess(image):
    """ComfyUI mode: [H, W, 3] uint8 -> normalised [1, 3, 384, 384] float32."""
    p = (image.to(torch.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)
    h, w = p.shape[2], p.shape[3]
    if h != SIZE or w != SIZE:
        scale = SIZE / min(h, w)
        p = F.interpolate(p, size=(round(scale * h), round(scale * w)), mode="bicubic", antialias=True)
        top, left = (p.shape[2] - SIZE) // 2, (p.shape[3] - SIZE) // 2
        p = p[:, :, top:top + SIZE, left:left + SIZE]
    p = torch.clip(255.0 * p, 0, 255).round() / 255.0
    return (p - 0.5) / 0.5


def uniform(shape, std, gen, center=0.0):
    """Uniform on [center - a, center + a] with standard deviation std (as the C# case's weights)."""
    a = math.sqrt(3.0) * std
    return (torch.rand(shape, generator=gen) * 2 - 1) * a + center


def tower_weights(gen):
    d, m = WIDTH, MLP
    w = {
        "patch.w": uniform((d, 3, PATCH, PATCH), 1 / math.sqrt(3 * PATCH * PATCH), gen),
        "patch.b": uniform((d,), 0.02, gen),
        "pos": uniform((TOKENS, d), 0.02, gen),
        "post.w": uniform((d,), 0.02, gen, 1.0),
        "post.b": uniform((d,), 0.02, gen),
        "layers": [],
    }
    for _ in range(LAYERS):
        layer = {}
        for norm in ("ln1", "ln2"):
            layer[norm + ".w"] = uniform((d,), 0.02, gen, 1.0)
            layer[norm + ".b"] = uniform((d,), 0.02, gen)
        for proj in ("q", "k", "v", "o"):
            layer[proj + ".w"] = uniform((d, d), 1 / math.sqrt(d), gen)
            layer[proj + ".b"] = uniform((d,), 0.02, gen)
        layer["fc1.w"], layer["fc1.b"] = uniform((m, d), 1 / math.sqrt(d), gen), uniform((m,), 0.02, gen)
        layer["fc2.w"], layer["fc2.b"] = uniform((d, m), 1 / math.sqrt(m), gen), uniform((d,), 0.02, gen)
        w["layers"].append(layer)
    return w


def redux_weights(gen):
    return {
        "up.w": uniform((REDUX_HIDDEN, WIDTH), 1 / math.sqrt(WIDTH), gen),
        "up.b": uniform((REDUX_HIDDEN,), 0.02, gen),
        "down.w": uniform((CONTEXT, REDUX_HIDDEN), 1 / math.sqrt(REDUX_HIDDEN), gen),
        "down.b": uniform((CONTEXT,), 0.02, gen),
    }


def attention(x, layer):
    b, n, d = x.shape
    dh = d // HEADS

    def heads(t):
        return t.view(b, n, HEADS, dh).transpose(1, 2)

    q = heads(F.linear(x, layer["q.w"], layer["q.b"]))
    k = heads(F.linear(x, layer["k.w"], layer["k.b"]))
    v = heads(F.linear(x, layer["v.w"], layer["v.b"]))
    probs = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh), dim=-1)
    out = torch.matmul(probs, v).transpose(1, 2).reshape(b, n, d)
    return F.linear(out, layer["o.w"], layer["o.b"])


def tower(pixels, w):
    """Normalised pixels [B, 3, 384, 384] -> last_hidden_state [B, 729, 1152]."""
    x = F.conv2d(pixels, w["patch.w"], w["patch.b"], stride=PATCH)  # [B, D, 27, 27]; pixels 378..383 unseen
    x = x.flatten(2).transpose(1, 2) + w["pos"]
    for layer in w["layers"]:
        x = x + attention(F.layer_norm(x, (WIDTH,), layer["ln1.w"], layer["ln1.b"], EPS), layer)
        h = F.layer_norm(x, (WIDTH,), layer["ln2.w"], layer["ln2.b"], EPS)
        x = x + F.linear(F.gelu(F.linear(h, layer["fc1.w"], layer["fc1.b"]), approximate="tanh"), layer["fc2.w"], layer["fc2.b"])
    return F.layer_norm(x, (WIDTH,), w["post.w"], w["post.b"], EPS)


def embed(states, w):
    """Redux tokens rounded to bf16 (as BFL's prepare_redux), returned as float32."""
    tokens = F.linear(F.silu(F.linear(states, w["up.w"], w["up.b"])), w["down.w"], w["down.b"])
    return tokens.to(torch.bfloat16).to(torch.float32)


def tower_flops():
    per_layer = 4 * 2.0 * TOKENS * WIDTH * WIDTH + 2 * 2.0 * TOKENS * TOKENS * WIDTH + 2 * 2.0 * TOKENS * WIDTH * MLP
    return 2.0 * TOKENS * WIDTH * 3 * PATCH * PATCH + LAYERS * per_layer


def embedder_flops():
    return 2.0 * TOKENS * (WIDTH * REDUX_HIDDEN + REDUX_HIDDEN * CONTEXT)


def request(image, tw, rw):
    t0 = time.perf_counter()
    pixels = preprocess(image)
    t1 = time.perf_counter()
    states = tower(pixels, tw)
    t2 = time.perf_counter()
    tokens = embed(states, rw)
    t3 = time.perf_counter()
    assert tokens.shape == (1, TOKENS, CONTEXT)
    del pixels, states, tokens
    t4 = time.perf_counter()
    return [1000 * (t1 - t0), 1000 * (t2 - t1), 1000 * (t3 - t2), 1000 * (t4 - t0)]


def measure_request(runs):
    start = time.perf_counter()
    gen = torch.Generator().manual_seed(1234)
    tw, rw = tower_weights(gen), redux_weights(gen)
    nbytes = sum(t.numel() * 4 for k, t in tw.items() if k != "layers") + sum(
        t.numel() * 4 for layer in tw["layers"] for t in layer.values()) + sum(t.numel() * 4 for t in rw.values())
    built = time.perf_counter() - start
    image = picture()
    request(image, tw, rw)  # warm-up
    rows = [request(image, tw, rw) for _ in range(runs)]
    print()
    print(f"weights F32: {nbytes / 1e9:.2f} GB, built in {built:.1f} s")
    print("stage                          best ms   median ms   GFLOP/s (best)")
    names = ["preprocess (ComfyUI)", "SigLIP tower", "Redux embedder + bf16", "end to end"]
    flops = [0, tower_flops(), embedder_flops(), tower_flops() + embedder_flops()]
    for s, name in enumerate(names):
        t = sorted(r[s] for r in rows)
        rate = f"{flops[s] / t[0] / 1e6:.1f}" if flops[s] else "-"
        print(f"{name:<28} {t[0]:10.1f} {t[len(t) // 2]:11.1f}   {rate:>14}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"peak working set {peak:.2f} GB (process so far)")


def measure_layer_ops(runs):
    gen = torch.Generator().manual_seed(7)
    dh = WIDTH // HEADS
    x = uniform((1, TOKENS, WIDTH), 1.0, gen)
    ln_w, ln_b = uniform((WIDTH,), 0.02, gen, 1.0), uniform((WIDTH,), 0.02, gen)
    proj, proj_b = uniform((WIDTH, WIDTH), 1 / math.sqrt(WIDTH), gen), uniform((WIDTH,), 0.02, gen)
    fc1, fc1_b = uniform((MLP, WIDTH), 1 / math.sqrt(WIDTH), gen), uniform((MLP,), 0.02, gen)
    fc2, fc2_b = uniform((WIDTH, MLP), 1 / math.sqrt(MLP), gen), uniform((WIDTH,), 0.02, gen)
    hidden = uniform((1, TOKENS, MLP), 1.0, gen)
    q, k, v = (uniform((1, HEADS, TOKENS, dh), 1.0, gen) for _ in range(3))
    q64 = uniform((1, WIDTH // 64, TOKENS, 64), 1.0, gen)
    pixels = uniform((1, 3, SIZE, SIZE), 0.5, gen)
    kernel = uniform((WIDTH, 3, PATCH, PATCH), 0.04, gen)

    def attend(q, k, v):
        probs = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh), dim=-1)
        return torch.matmul(probs, v)

    ops = [
        ("layer_norm", 2, lambda: F.layer_norm(x, (WIDTH,), ln_w, ln_b, EPS)),
        ("q/k/v/out linear 1152->1152", 4, lambda: F.linear(x, proj, proj_b)),
        # Contiguous copies: the C# engine's Permute materialises; the model above uses views plus one reshape copy.
        ("split/merge heads (permute)", 4, lambda: x.view(1, TOKENS, HEADS, dh).transpose(1, 2).contiguous()),
        ("attention (16 x 729^2 x 72)", 1, lambda: attend(q, k, v)),
        ("fc1 1152->4304 + gelu", 1, lambda: F.gelu(F.linear(x, fc1, fc1_b), approximate="tanh")),
        ("fc2 4304->1152", 1, lambda: F.linear(hidden, fc2, fc2_b)),
        ("residual add", 2, lambda: x + x),
        ("(fc1 without gelu)", 0, lambda: F.linear(x, fc1, fc1_b)),
        ("(gelu_tanh alone, 729x4304)", 0, lambda: F.gelu(hidden, approximate="tanh")),
        ("(attention 18 x 729^2 x 64)", 0, lambda: attend(q64, q64, q64)),
        ("(patch conv, once per image)", 0, lambda: F.conv2d(pixels, kernel, proj_b, stride=PATCH)),
    ]
    print()
    print(f"one encoder layer's operations, weights F32 (median of {runs}; x27 = per tower)")
    print("op                              per layer   median ms   x count x 27 (ms)")
    total = 0.0
    for name, per_layer, op in ops:
        op()
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            op()
            times.append(1000 * (time.perf_counter() - start))
        median = sorted(times)[runs // 2]
        total += median * per_layer * LAYERS
        scaled = f"{median * per_layer * LAYERS:.0f}" if per_layer else "-"
        print(f"{name:<32} {per_layer:9d} {median:11.2f} {scaled:>20}")
    print(f"{'sum over the 27 layers':<32} {'':9} {'':11} {total:20.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--ops", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"redux-quick: pytorch {torch.__version__}, {torch.get_num_threads()} threads, OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}, {args.runs} runs after 1 warm-up (best / median ms); "
          f"image 1024x768 RGB8 -> ComfyUI 384 -> SigLIP so400m ({LAYERS} x {WIDTH}, {HEADS} heads, MLP {MLP}) "
          f"-> Redux 1152->12288->4096 -> bf16")
    with torch.no_grad():
        measure_request(args.runs)
        if args.ops:
            measure_layer_ops(max(args.runs, 5))


if __name__ == "__main__":
    main()
