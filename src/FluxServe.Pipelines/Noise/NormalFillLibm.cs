using System.Runtime.CompilerServices;
using FluxServe.Engine.Numerics;

namespace FluxServe.Pipelines.Noise;

/// <summary>
/// PyTorch's scalar <c>normal_fill_16</c> (the <c>default</c> CPU kernel, also used for bfloat16 tensors): the
/// C library's float <c>logf</c>/<c>sqrtf</c>/<c>cosf</c>/<c>sinf</c> per element (spec/sampling.md §7.3,
/// "Other CPUs"). .NET's <see cref="MathF"/> calls the platform C runtime, so the results equal PyTorch's on the same
/// C library (glibc ≥ 2.28 on Linux: verified against the <c>torch-randn</c> fixture's <c>default</c> outputs).
/// </summary>
internal static class NormalFillLibm
{
    /// <summary>Transforms every 16-element block of float32 uniforms in <paramref name="data"/>.</summary>
    public static void TransformBlocks(Span<float> data, float mean, float std)
    {
        if (data.Length % 16 != 0)
        {
            throw new ArgumentException($"The length {data.Length} is not a multiple of 16.", nameof(data));
        }

        for (int s = 0; s < data.Length; s += 16)
        {
            Span<float> block = data.Slice(s, 16);
            for (int j = 0; j < 8; j++)
            {
                float u1 = 1 - block[j];
                float u2 = block[j + 8];
                float radius = MathF.Sqrt(-2 * MathF.Log(u1));

                // 2.0f * c10::pi<double> * u2 is evaluated in double, then stored as float.
                float theta = (float)(2.0 * Math.PI * u2);
                block[j] = (radius * MathF.Cos(theta) * std) + mean;
                block[j + 8] = (radius * MathF.Sin(theta) * std) + mean;
            }
        }
    }

    /// <summary>
    /// The same for a bfloat16 tensor (bits in <paramref name="data"/>, uniforms with 8 mantissa bits): c10's
    /// <c>BFloat16</c> arithmetic computes each operation in float and rounds the result to bfloat16.
    /// </summary>
    public static void TransformBlocksBFloat16(Span<ushort> data, float mean, float std)
    {
        if (data.Length % 16 != 0)
        {
            throw new ArgumentException($"The length {data.Length} is not a multiple of 16.", nameof(data));
        }

        float meanB = Round(mean);
        float stdB = Round(std);
        for (int s = 0; s < data.Length; s += 16)
        {
            Span<ushort> block = data.Slice(s, 16);
            for (int j = 0; j < 8; j++)
            {
                float u1 = Round(1 - BFloat16Conversion.ToSingle(block[j]));
                float u2 = BFloat16Conversion.ToSingle(block[j + 8]);
                float log = Round(MathF.Log(u1));
                float radius = Round(MathF.Sqrt(Round(-2 * log)));
                float theta = Round((float)(2.0 * Math.PI * u2));
                float cos = Round(MathF.Cos(theta));
                float sin = Round(MathF.Sin(theta));
                block[j] = BFloat16Conversion.FromSingle(Round(Round(radius * cos) * stdB) + meanB);
                block[j + 8] = BFloat16Conversion.FromSingle(Round(Round(radius * sin) * stdB) + meanB);
            }
        }
    }

    /// <summary><paramref name="value"/> rounded to the nearest bfloat16 (c10's rule), as a float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Round(float value) => BFloat16Conversion.ToSingle(BFloat16Conversion.FromSingle(value));
}
