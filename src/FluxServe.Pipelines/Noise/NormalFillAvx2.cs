using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FluxServe.Pipelines.Noise;

/// <summary>
/// The Box-Muller transform of PyTorch's <c>normal_fill_16_AVX2</c> over 16-element blocks of uniforms:
/// for j &lt; 8, <c>u1 = 1 − d[j]</c>, <c>u2 = d[j+8]</c>, <c>r = √(−2·log u1)</c>, <c>θ = 2π·u2</c>,
/// <c>d[j] = fma(r·cos θ, std, mean)</c>, <c>d[j+8] = fma(r·sin θ, std, mean)</c> (spec/sampling.md §7.3).
/// </summary>
internal static class NormalFillAvx2
{
    /// <summary><c>(float)(2π)</c>, PyTorch's <c>_mm256_set1_ps(2.0f * c10::pi&lt;double&gt;)</c>.</summary>
    private const float TwoPi = (float)(2.0 * Math.PI);

    /// <summary>The widest lane width (in bits: 512, 256, 128 or 32 for scalar) this machine runs fast.</summary>
    public static int BestWidth =>
        Vector512Lanes.IsAccelerated ? 512 :
        Vector256Lanes.IsAccelerated ? 256 :
        Vector128Lanes.IsAccelerated ? 128 : 32;

    /// <summary>Transforms every 16-element block of <paramref name="data"/> (its length must be a multiple of 16).</summary>
    public static void TransformBlocks(Span<float> data, float mean, float std) => TransformBlocks(data, mean, std, BestWidth);

    /// <summary>
    /// As <see cref="TransformBlocks(Span{float}, float, float)"/> with lanes of at most <paramref name="maxWidth"/>
    /// bits, so tests can run every path on one machine (all give identical bits).
    /// </summary>
    public static void TransformBlocks(Span<float> data, float mean, float std, int maxWidth)
    {
        if (data.Length % 16 != 0)
        {
            throw new ArgumentException($"The length {data.Length} is not a multiple of 16.", nameof(data));
        }

        ref float p = ref MemoryMarshal.GetReference(data);
        int blocks = data.Length / 16;
        int done = 0;
        if (maxWidth >= 512 && Vector512Lanes.IsAccelerated)
        {
            // Two blocks per step: lanes 0-7 from block b, lanes 8-15 from block b+1.
            for (; done + 2 <= blocks; done += 2)
            {
                Transform<Vector512Lanes, Vector512<float>, Vector512<int>>(
                    ref Unsafe.Add(ref p, done * 16), mean, std);
            }
        }

        if (maxWidth >= 256 && Vector256Lanes.IsAccelerated)
        {
            for (; done < blocks; done++)
            {
                Transform<Vector256Lanes, Vector256<float>, Vector256<int>>(
                    ref Unsafe.Add(ref p, done * 16), mean, std);
            }
        }
        else if (maxWidth >= 128 && Vector128Lanes.IsAccelerated)
        {
            for (; done < blocks; done++)
            {
                ref float block = ref Unsafe.Add(ref p, done * 16);
                Transform<Vector128Lanes, Vector128<float>, Vector128<int>>(ref block, mean, std);
                Transform<Vector128Lanes, Vector128<float>, Vector128<int>>(
                    ref Unsafe.Add(ref block, 4), mean, std);
            }
        }

        for (; done < blocks; done++)
        {
            ref float block = ref Unsafe.Add(ref p, done * 16);
            for (int j = 0; j < 8; j++)
            {
                Transform<ScalarLanes, float, int>(ref Unsafe.Add(ref block, j), mean, std);
            }
        }
    }

    /// <summary>One lane group: u1 lanes at <paramref name="first"/>, u2 lanes 8 elements later.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transform<TOps, TF, TI>(ref float first, float mean, float std)
        where TOps : IFloatLanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        ref float second = ref Unsafe.Add(ref first, 8);
        TF u1 = TOps.Subtract(TOps.Broadcast(1f), TOps.Load(ref first));
        TF u2 = TOps.Load(ref second);
        TF radius = TOps.Sqrt(TOps.Multiply(TOps.Broadcast(-2f), AvxMathFun.Log<TOps, TF, TI>(u1)));
        TF theta = TOps.Multiply(TOps.Broadcast(TwoPi), u2);
        AvxMathFun.SinCos<TOps, TF, TI>(theta, out TF sin, out TF cos);
        TF stdV = TOps.Broadcast(std);
        TF meanV = TOps.Broadcast(mean);
        TOps.Store(TOps.FusedMultiplyAdd(TOps.Multiply(radius, cos), stdV, meanV), ref first);
        TOps.Store(TOps.FusedMultiplyAdd(TOps.Multiply(radius, sin), stdV, meanV), ref second);
    }
}
