using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>The micro-kernel family a GEMM runs with (internal so tests can force the narrower ones).</summary>
internal enum GemmIsa
{
    /// <summary><see cref="MicroKernel128"/>: any machine (SSE, AdvSimd).</summary>
    Vector128,

    /// <summary><see cref="MicroKernel256"/>: x86 with AVX2 and FMA.</summary>
    Avx2,

    /// <summary><see cref="MicroKernel512"/>: x86 with AVX-512 (F, BW, CD, DQ, VL).</summary>
    Avx512,
}

/// <summary>Which <see cref="GemmIsa"/>s this machine can run.</summary>
internal static class GemmIsas
{
    /// <summary>The fastest supported family.</summary>
    public static GemmIsa Best { get; } =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? GemmIsa.Avx512 :
        Avx2.IsSupported && Fma.IsSupported ? GemmIsa.Avx2 :
        GemmIsa.Vector128;

    /// <summary>Every family up to and including <see cref="Best"/>.</summary>
    public static GemmIsa[] Supported()
    {
        var all = new GemmIsa[(int)Best + 1];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = (GemmIsa)i;
        }

        return all;
    }
}
