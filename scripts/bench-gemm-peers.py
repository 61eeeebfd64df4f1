#!/usr/bin/python3
"""GEMM peers for FluxServe's CPU sgemm: the FLUX shapes through OpenBLAS and PyTorch, in GFLOP/s.

Compare with `dotnet run -c Release --project bench/FluxServe.Benchmarks -- gemm-quick` (same shapes, same
best/median over the same number of runs). Shapes are M x K x N: C[M,N] = A[M,K] . B with B either [K,N] ("KByN",
BLAS NN) or [N,K] ("NByK", a Linear weight, BLAS NT).

OpenBLAS is called directly: cblas_sgemm from libopenblas.so.0 through ctypes, so there is no doubt about which BLAS
runs (its core name and config are printed). OpenBLAS picks its kernel from the CPU id unless OPENBLAS_CORETYPE names
one (this machine's environment sets OPENBLAS_CORETYPE=Haswell); --openblas-cores times several: "env" keeps the
environment's setting, "auto" unsets it (OpenBLAS's own detection), any other value is passed as OPENBLAS_CORETYPE.
PyTorch is the system one (/usr/bin/python3, Debian's torch), torch.matmul with torch.set_num_threads(threads).
FluxServe itself never depends on either: this script only gives reference figures.

Usage: /usr/bin/python3 scripts/bench-gemm-peers.py [--threads 2] [--runs 5] [--shapes 4096x3072x3072,4096x3072x12288]
       [--openblas-cores env,auto,SkylakeX] [--no-torch]
"""
import argparse
import ctypes
import json
import os
import subprocess
import sys
import time

import numpy as np

CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_TRANS = 101, 111, 112


def parse_shapes(text):
    return [tuple(int(x) for x in s.split("x")) for s in text.split(",")]


def rates(fn, flops, runs):
    fn()  # warm-up (thread start, page faults, first-touch of C)
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(flops / (time.perf_counter() - t) / 1e9)
    out.sort()
    return out[-1], out[len(out) // 2]


def openblas(args):
    """Runs in a child process per core type, since OpenBLAS reads OPENBLAS_CORETYPE once at load."""
    lib = ctypes.CDLL("libopenblas.so.0")
    lib.openblas_get_corename.restype = ctypes.c_char_p
    lib.openblas_get_config.restype = ctypes.c_char_p
    lib.openblas_set_num_threads(args.threads)
    print(f"OpenBLAS {lib.openblas_get_config().decode()} core={lib.openblas_get_corename().decode()} threads={args.threads}")
    sgemm = lib.cblas_sgemm
    p = ctypes.c_void_p
    sgemm.argtypes = [ctypes.c_int] * 6 + [ctypes.c_float, p, ctypes.c_int, p, ctypes.c_int, ctypes.c_float, p, ctypes.c_int]
    sgemm.restype = None
    rng = np.random.default_rng(42)
    for m, k, n in parse_shapes(args.shapes):
        a = (rng.random((m, k), dtype=np.float32) - 0.5)
        c = np.zeros((m, n), np.float32)
        for layout in ("NByK", "KByN"):
            if layout == "NByK":
                b = (rng.random((n, k), dtype=np.float32) - 0.5)
                call = lambda: sgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_TRANS, m, n, k, 1.0,
                                     a.ctypes.data, k, b.ctypes.data, k, 0.0, c.ctypes.data, n)
            else:
                b = (rng.random((k, n), dtype=np.float32) - 0.5)
                call = lambda: sgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, m, n, k, 1.0,
                                     a.ctypes.data, k, b.ctypes.data, n, 0.0, c.ctypes.data, n)
            best, median = rates(call, 2.0 * m * n * k, args.runs)
            print(f"  OpenBLAS M={m:5} K={k:5} N={n:6} {layout:5} best {best:7.1f}  median {median:7.1f} GFLOP/s", flush=True)
            # Cross-check the result once against numpy's own matmul on a corner (catches a wrong call).
            ref = a[:8] @ (b.T if layout == "NByK" else b)
            assert np.allclose(c[:8], ref, rtol=1e-3, atol=1e-3), "cblas_sgemm result does not match"
            del b


def torch_peer(args):
    import torch
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__} threads={torch.get_num_threads()} (BLAS: {torch.__config__.show().split('BLAS_INFO=')[1].split(',')[0]})")
    g = torch.Generator().manual_seed(42)
    for m, k, n in parse_shapes(args.shapes):
        a = torch.rand((m, k), generator=g) - 0.5
        for layout in ("NByK", "KByN"):
            if layout == "NByK":
                w = torch.rand((n, k), generator=g) - 0.5
                call = lambda: torch.nn.functional.linear(a, w)
            else:
                b = torch.rand((k, n), generator=g) - 0.5
                call = lambda: torch.matmul(a, b)
            with torch.no_grad():
                best, median = rates(call, 2.0 * m * n * k, args.runs)
            print(f"  PyTorch  M={m:5} K={k:5} N={n:6} {layout:5} best {best:7.1f}  median {median:7.1f} GFLOP/s", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shapes", default="4096x3072x3072,4096x3072x12288")
    parser.add_argument("--openblas-cores", default="env,auto,SkylakeX",
                        help="comma list: 'env' (as the environment sets it), 'auto' (unset), or an OPENBLAS_CORETYPE value")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--child", choices=["openblas", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child == "openblas":
        return openblas(args)
    if args.child == "torch":
        return torch_peer(args)

    print(f"load average: {os.getloadavg()}; OPENBLAS_CORETYPE in the environment: {os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    common = ["--threads", str(args.threads), "--runs", str(args.runs), "--shapes", args.shapes]
    for core in args.openblas_cores.split(","):
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads))
        if core == "auto":
            env.pop("OPENBLAS_CORETYPE", None)
        elif core != "env":
            env["OPENBLAS_CORETYPE"] = core
        subprocess.run([sys.executable, __file__, "--child", "openblas"] + common, env=env, check=True)
    if not args.no_torch:
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
        subprocess.run(["/usr/bin/python3", __file__, "--child", "torch"] + common, env=env, check=True)


if __name__ == "__main__":
    main()
