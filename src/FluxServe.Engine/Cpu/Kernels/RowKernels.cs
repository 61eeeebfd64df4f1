using System.Runtime.CompilerServices;

namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>
/// Reductions and affine maps over one contiguous row, generic over the register width. Each runs the bulk at
/// width <typeparamref name="T"/> and the remainder through the same code at <see cref="SimdF1"/>.
/// </summary>
/// <typeparam name="T">The register type.</typeparam>
internal static class RowKernels<T>
    where T : struct, ISimdFloat<T>
{
    // Sums run in float registers over blocks of this many elements and in double across blocks, so a group-norm
    // group of millions of elements keeps ~1e-7 relative accuracy at float speed.
    private const int SumBlock = 4096;

    /// <summary>Σ x[i] over n elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sum(ref readonly float x, int n)
    {
        double total = 0;
        for (int start = 0; start < n; start += SumBlock)
        {
            int length = Math.Min(SumBlock, n - start);
            ref readonly float block = ref Unsafe.Add(ref Unsafe.AsRef(in x), start);
            int bulk = length - (length % T.Count);
            total += SumPowers<T>(in block, 0, bulk, 0f, squares: false) + SumPowers<SimdF1>(in block, bulk, length, 0f, squares: false);
        }

        return total;
    }

    /// <summary>Σ (x[i] − center)² over n elements (center = 0 gives the sum of squares).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SumOfSquares(ref readonly float x, int n, float center)
    {
        double total = 0;
        for (int start = 0; start < n; start += SumBlock)
        {
            int length = Math.Min(SumBlock, n - start);
            ref readonly float block = ref Unsafe.Add(ref Unsafe.AsRef(in x), start);
            int bulk = length - (length % T.Count);
            total += SumPowers<T>(in block, 0, bulk, center, squares: true) + SumPowers<SimdF1>(in block, bulk, length, center, squares: true);
        }

        return total;
    }

    /// <summary>max x[i] over n ≥ 1 elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Max(ref readonly float x, int n)
    {
        int bulk = n - (n % T.Count);
        float max = float.NegativeInfinity;
        if (bulk > 0)
        {
            T m = T.Load(in x, 0);
            for (int i = T.Count; i < bulk; i += T.Count)
            {
                m = T.Max(m, T.Load(in x, (nuint)i));
            }

            max = T.MaxAcross(m);
        }

        for (int i = bulk; i < n; i++)
        {
            max = MathF.Max(max, Unsafe.Add(ref Unsafe.AsRef(in x), i));
        }

        return max;
    }

    /// <summary>y[i] = x[i]·scale + shift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleShift(ref readonly float x, ref float y, int n, float scale, float shift)
    {
        int bulk = n - (n % T.Count);
        ScaleShift<T>(in x, ref y, 0, bulk, scale, shift);
        ScaleShift<SimdF1>(in x, ref y, bulk, n, scale, shift);
    }

    /// <summary>y[i] = (x[i] − center)·scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CenterScale(ref readonly float x, ref float y, int n, float center, float scale)
    {
        int bulk = n - (n % T.Count);
        CenterScale<T>(in x, ref y, 0, bulk, center, scale);
        CenterScale<SimdF1>(in x, ref y, bulk, n, center, scale);
    }

    /// <summary>y[i] = (x[i] − center)·scale + shift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CenterScaleShift(ref readonly float x, ref float y, int n, float center, float scale, float shift)
    {
        int bulk = n - (n % T.Count);
        CenterScaleShift<T>(in x, ref y, 0, bulk, center, scale, shift);
        CenterScaleShift<SimdF1>(in x, ref y, bulk, n, center, scale, shift);
    }

    /// <summary>y[i] = ((x[i] − center)·scale)·w[i] + b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CenterScaleAffine(ref readonly float x, ref float y, ref readonly float w, ref readonly float b, int n, float center, float scale)
    {
        int bulk = n - (n % T.Count);
        CenterScaleAffine<T>(in x, ref y, in w, in b, 0, bulk, center, scale);
        CenterScaleAffine<SimdF1>(in x, ref y, in w, in b, bulk, n, center, scale);
    }

    /// <summary>y[i] = (x[i]·scale)·w[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleMultiply(ref readonly float x, ref float y, ref readonly float w, int n, float scale)
    {
        int bulk = n - (n % T.Count);
        ScaleMultiply<T>(in x, ref y, in w, 0, bulk, scale);
        ScaleMultiply<SimdF1>(in x, ref y, in w, bulk, n, scale);
    }

    /// <summary>y[i] = x[i]·m[i] + a[i] (m and a rows of the same length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(ref readonly float x, ref float y, ref readonly float m, ref readonly float a, int n)
    {
        int bulk = n - (n % T.Count);
        MultiplyAdd<T>(in x, ref y, in m, in a, 0, bulk);
        MultiplyAdd<SimdF1>(in x, ref y, in m, in a, bulk, n);
    }

    /// <summary>y[i] += x[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddTo(ref readonly float x, ref float y, int n)
    {
        int bulk = n - (n % T.Count);
        AddTo<T>(in x, ref y, 0, bulk);
        AddTo<SimdF1>(in x, ref y, bulk, n);
    }

    /// <summary>y[i] = x[i]·(1 + scale[i]) + shift[i] (adaLN modulation of one token).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Modulate(ref readonly float x, ref float y, ref readonly float scale, ref readonly float shift, int n)
    {
        int bulk = n - (n % T.Count);
        Modulate<T>(in x, ref y, in scale, in shift, 0, bulk);
        Modulate<SimdF1>(in x, ref y, in scale, in shift, bulk, n);
    }

    /// <summary>y[i] = e^(x[i] − shift); returns Σ y[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double ExpShifted(ref readonly float x, ref float y, int n, float shift)
    {
        int bulk = n - (n % T.Count);
        double sum = 0;
        for (int start = 0; start < bulk; start += SumBlock)
        {
            sum += ExpShifted<T>(in x, ref y, start, Math.Min(start + SumBlock, bulk), shift);
        }

        return sum + ExpShifted<SimdF1>(in x, ref y, bulk, n, shift);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float SumPowers<TV>(ref readonly float x, int start, int end, float center, bool squares)
        where TV : struct, ISimdFloat<TV>
    {
        // Four independent accumulators hide the add latency.
        TV a0 = TV.Zero, a1 = TV.Zero, a2 = TV.Zero, a3 = TV.Zero;
        TV c = TV.Create(center);
        int w = TV.Count;
        int i = start;
        if (squares)
        {
            for (; i + (4 * w) <= end; i += 4 * w)
            {
                TV d0 = TV.Load(in x, (nuint)i) - c;
                TV d1 = TV.Load(in x, (nuint)(i + w)) - c;
                TV d2 = TV.Load(in x, (nuint)(i + (2 * w))) - c;
                TV d3 = TV.Load(in x, (nuint)(i + (3 * w))) - c;
                a0 = TV.Fma(d0, d0, a0);
                a1 = TV.Fma(d1, d1, a1);
                a2 = TV.Fma(d2, d2, a2);
                a3 = TV.Fma(d3, d3, a3);
            }

            for (; i + w <= end; i += w)
            {
                TV d = TV.Load(in x, (nuint)i) - c;
                a0 = TV.Fma(d, d, a0);
            }
        }
        else
        {
            for (; i + (4 * w) <= end; i += 4 * w)
            {
                a0 += TV.Load(in x, (nuint)i);
                a1 += TV.Load(in x, (nuint)(i + w));
                a2 += TV.Load(in x, (nuint)(i + (2 * w)));
                a3 += TV.Load(in x, (nuint)(i + (3 * w)));
            }

            for (; i + w <= end; i += w)
            {
                a0 += TV.Load(in x, (nuint)i);
            }
        }

        return TV.Sum((a0 + a1) + (a2 + a3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaleShift<TV>(ref readonly float x, ref float y, int start, int end, float scale, float shift)
        where TV : struct, ISimdFloat<TV>
    {
        TV s = TV.Create(scale), c = TV.Create(shift);
        for (int i = start; i < end; i += TV.Count)
        {
            TV.Store(TV.Fma(TV.Load(in x, (nuint)i), s, c), ref y, (nuint)i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CenterScale<TV>(ref readonly float x, ref float y, int start, int end, float center, float scale)
        where TV : struct, ISimdFloat<TV>
    {
        TV s = TV.Create(scale), c = TV.Create(center);
        for (int i = start; i < end; i += TV.Count)
        {
            TV.Store((TV.Load(in x, (nuint)i) - c) * s, ref y, (nuint)i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CenterScaleShift<TV>(ref readonly float x, ref float y, int start, int end, float center, float scale, float shift)
        where TV : struct, ISimdFloat<TV>
    {
        TV s = TV.Create(scale), c = TV.Create(center), b = TV.Create(shift);
        for (int i = start; i < end; i += TV.Count)
        {
            TV.Store(TV.Fma(TV.Load(in x, (nuint)i) - c, s, b), ref y, (nuint)i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CenterScaleAffine<TV>(ref readonly float x, ref float y, ref readonly float w, ref readonly float b, int start, int end, float center, float scale)
        where TV : struct, ISimdFloat<TV>
    {
        TV s = TV.Create(scale), c = TV.Create(center);
        for (int i = start; i < end; i += TV.Count)
        {
            TV normalized = (TV.Load(in x, (nuint)i) - c) * s;
            TV.Store(TV.Fma(normalized, TV.Load(in w, (nuint)i), TV.Load(in b, (nuint)i)), ref y, (nuint)i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaleMultiply<TV>(ref readonly float x, ref float y, ref readonly float w, int start, int end, float scale)
        where TV : struct, ISimdFloat<TV>
    {
        TV s = TV.Create(scale);
        for (int i = start; i < end; i += TV.Count)
        {
            TV.Store(TV.Load(in x, (nuint)i) * s * TV.Load(in w, (nuint)i), ref y, (nuint)i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd<TV>(ref readonly float x, ref float y, ref readonly float m, ref readonly float a, int start, int end)
        where TV : struct, ISimdFloat<TV>
    {
        for (int i = start; i < end; i += TV.Count)
        {
            TV.Store(TV.Fma(TV.Load(in x, (nuint)i), TV.Load(in m, (nuint)i), TV.Load(in a, (nuint)i)), ref y, (nuint)i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Modulate<TV>(ref readonly float x, ref float y, ref readonly float scale, ref readonly float shift, int start, int end)
        where TV : struct, ISimdFloat<TV>
    {
        TV one = TV.Create(1f);
        for (int i = start; i < end; i += TV.Count)
        {
            TV factor = one + TV.Load(in scale, (nuint)i);
            TV.Store(TV.Fma(TV.Load(in x, (nuint)i), factor, TV.Load(in shift, (nuint)i)), ref y, (nuint)i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ExpShifted<TV>(ref readonly float x, ref float y, int start, int end, float shift)
        where TV : struct, ISimdFloat<TV>
    {
        TV c = TV.Create(shift);
        TV a0 = TV.Zero, a1 = TV.Zero;
        int i = start;
        for (; i + (2 * TV.Count) <= end; i += 2 * TV.Count)
        {
            TV e0 = SimdMath.Exp(TV.Load(in x, (nuint)i) - c);
            TV e1 = SimdMath.Exp(TV.Load(in x, (nuint)(i + TV.Count)) - c);
            TV.Store(e0, ref y, (nuint)i);
            TV.Store(e1, ref y, (nuint)(i + TV.Count));
            a0 += e0;
            a1 += e1;
        }

        for (; i < end; i += TV.Count)
        {
            TV e = SimdMath.Exp(TV.Load(in x, (nuint)i) - c);
            TV.Store(e, ref y, (nuint)i);
            a0 += e;
        }

        return TV.Sum(a0 + a1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo<TV>(ref readonly float x, ref float y, int start, int end)
        where TV : struct, ISimdFloat<TV>
    {
        for (int i = start; i < end; i += TV.Count)
        {
            TV.Store(TV.Load(in y, (nuint)i) + TV.Load(in x, (nuint)i), ref y, (nuint)i);
        }
    }
}
