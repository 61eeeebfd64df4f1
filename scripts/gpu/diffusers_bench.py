#!/usr/bin/env python3
"""The peer number for GpuBench's FLUX step: diffusers' FluxTransformer2DModel with FLUX.1-schnell's shapes, random
initialisation, bf16, on the same GPU, timed the same way (CUDA events, warm-up, median of several steps).

Runs on the GPU machine with its PyTorch; diffusers' source comes in the carried tarball (scripts/gpu/prepare-peers.sh,
publish.sh) and is put on PYTHONPATH by scripts/gpu/run.sh. Prints one summary line per mode; --json writes them.
"""
import argparse
import json
import signal
import statistics
import sys
import time

import torch


def step_flop(image_tokens, text_tokens, d=3072, mlp=12288, depth=19, single=38):
    """The FLOP count GpuBench uses (FluxStepBench.StepFlop): 2·M·N·K per product, 4·L²·D per attention."""
    l = image_tokens + text_tokens
    double_linear = 2 * l * (4 * d * d + 2 * d * mlp)
    single_linear = 2 * l * (d * (3 * d + mlp) + (d + mlp) * d)
    attention = 4 * l * l * d
    embed = 2 * image_tokens * 64 * d + 2 * text_tokens * 4096 * d + 2 * image_tokens * d * 64
    return depth * (double_linear + attention) + single * (single_linear + attention) + embed


def build_model():
    from diffusers.models.transformers.transformer_flux import FluxTransformer2DModel

    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)  # parameters are created in bf16 on the GPU: 24 GB, not 48
    try:
        with torch.device("cuda"):
            model = FluxTransformer2DModel(
                patch_size=1, in_channels=64, num_layers=19, num_single_layers=38, attention_head_dim=128,
                num_attention_heads=24, joint_attention_dim=4096, pooled_projection_dim=768, guidance_embeds=False,
                axes_dims_rope=(16, 56, 56))
    finally:
        torch.set_default_dtype(previous)
    return model.to(torch.bfloat16).eval()


def inputs(size, text_tokens):
    side = size // 16
    image_tokens = side * side
    generator = torch.Generator(device="cuda").manual_seed(1)
    img_ids = torch.zeros(side, side, 3, device="cuda")
    img_ids[..., 1] = torch.arange(side, device="cuda")[:, None]
    img_ids[..., 2] = torch.arange(side, device="cuda")[None, :]
    return dict(
        hidden_states=torch.randn(1, image_tokens, 64, device="cuda", dtype=torch.bfloat16, generator=generator),
        encoder_hidden_states=torch.randn(1, text_tokens, 4096, device="cuda", dtype=torch.bfloat16, generator=generator),
        pooled_projections=torch.randn(1, 768, device="cuda", dtype=torch.bfloat16, generator=generator),
        timestep=torch.ones(1, device="cuda", dtype=torch.bfloat16),
        img_ids=img_ids.reshape(-1, 3),
        txt_ids=torch.zeros(text_tokens, 3, device="cuda"),
        guidance=None,
        return_dict=False,
    ), image_tokens


def time_steps(model, kwargs, warmup, steps):
    times = []
    with torch.inference_mode():
        for i in range(warmup + steps):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            model(**kwargs)
            end.record()
            end.synchronize()
            if i >= warmup:
                times.append(start.elapsed_time(end))
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--text-tokens", type=int, default=512)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--compile", action="store_true", help="also time torch.compile(model)")
    parser.add_argument("--compile-timeout", type=int, default=420, help="seconds allowed for compiling")
    parser.add_argument("--json", help="write the numbers here")
    args = parser.parse_args()

    if not torch.cuda.is_available():
        print("diffusers: no CUDA device visible to PyTorch")
        return 1
    name = torch.cuda.get_device_name()
    print(f"diffusers: torch {torch.__version__} (CUDA {torch.version.cuda}) on {name}")
    results = {"device": name, "torch": torch.__version__}
    clock = time.time()
    try:
        model = build_model()
    except ImportError as error:
        print(f"diffusers: cannot import diffusers ({error}); is the tarball's diffusers-src on PYTHONPATH?")
        return 1
    import diffusers
    print(f"diffusers: {diffusers.__version__}, model built on the GPU in {time.time() - clock:.1f} s, "
          f"{sum(p.numel() for p in model.parameters()) / 1e9:.2f} B parameters")
    kwargs, image_tokens = inputs(args.size, args.text_tokens)
    flop = step_flop(image_tokens, args.text_tokens)
    peak = 989.4e12 if ("H100" in name or "H200" in name) else float("nan")

    def report(mode, times):
        median = statistics.median(times)
        tflops = flop / (median / 1e3) / 1e12
        print(f"diffusers: {mode} step ({image_tokens}+{args.text_tokens} tokens, bf16): median {median:.2f} ms, "
              f"min {min(times):.2f}, max {max(times):.2f} (n={len(times)}); {tflops:.0f} TFLOP/s, "
              f"MFU {tflops * 1e12 / peak:.1%}; peak memory {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")
        results[f"{mode}.step_ms_median"] = median
        results[f"{mode}.tflops"] = tflops

    torch.cuda.reset_peak_memory_stats()
    report("eager", time_steps(model, kwargs, args.warmup, args.steps))

    if args.compile:
        def give_up(signum, frame):
            raise TimeoutError(f"torch.compile took longer than {args.compile_timeout} s")

        signal.signal(signal.SIGALRM, give_up)
        signal.alarm(args.compile_timeout)
        try:
            clock = time.time()
            compiled = torch.compile(model)
            time_steps(compiled, kwargs, 1, 0)
            signal.alarm(0)
            print(f"diffusers: torch.compile + first step {time.time() - clock:.0f} s")
            results["compile_seconds"] = time.time() - clock
            report("compiled", time_steps(compiled, kwargs, args.warmup, args.steps))
        except Exception as error:  # a failed or too-slow compile is a result too
            signal.alarm(0)
            print(f"diffusers: torch.compile failed: {type(error).__name__}: {error}")
            results["compile_error"] = str(error)

    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
