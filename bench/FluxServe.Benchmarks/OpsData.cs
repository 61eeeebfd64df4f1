using FluxServe.Engine;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Benchmarks;

/// <summary>Inputs for the operation benchmarks.</summary>
internal static class OpsData
{
    /// <summary>A float32 tensor with values uniform in [−1, 1).</summary>
    public static Tensor Random(int seed, params int[] shape)
    {
        var tensor = Tensor.Empty(shape);
        var random = new Random(seed);
        var span = tensor.AsSpan<float>();
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return tensor;
    }

    /// <summary>A RoPE table [1, 1, L, D/2, 2, 2] of rotations by the FLUX-style angles position·10000^(−2j/D).</summary>
    public static Tensor RotationTable(int tokens, int d)
    {
        var pe = Tensor.Empty([1, 1, tokens, d / 2, 2, 2]);
        var span = pe.AsSpan<float>();
        for (int l = 0; l < tokens; l++)
        {
            for (int j = 0; j < d / 2; j++)
            {
                double angle = l * Math.Pow(10000, -2.0 * j / d);
                int at = ((l * (d / 2)) + j) * 4;
                span[at] = (float)Math.Cos(angle);
                span[at + 1] = (float)-Math.Sin(angle);
                span[at + 2] = (float)Math.Sin(angle);
                span[at + 3] = (float)Math.Cos(angle);
            }
        }

        return pe;
    }

    /// <summary>The kernel width cap for a register size in bits (32 = scalar).</summary>
    public static SimdWidth Width(int bits) => bits switch
    {
        >= 512 => SimdWidth.W512,
        256 => SimdWidth.W256,
        128 => SimdWidth.W128,
        _ => SimdWidth.Scalar,
    };
}
