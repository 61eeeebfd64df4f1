using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// The element-wise latent updates every sampler is made of: linear combinations of up to four latents with scalar
/// coefficients, computed in float32 (the reference's dtype) with <c>Vector512 → Vector256 → Vector128 → scalar</c>
/// dispatch. Each output element is <c>((a·x + b·y) + c·z) + d·w</c> with separate roundings, whatever the width, so
/// every path gives the same bits.
/// </summary>
internal static class LatentMath
{
    /// <summary>
    /// The widest vector the kernels may use: 512, 256, 128 or 0 (scalar). Tests lower it to exercise the narrower
    /// paths on a wide machine; production leaves it at 512.
    /// </summary>
    internal static int MaxVectorBits { get; set; } = 512;

    /// <summary><c>dst = a·x</c>.</summary>
    public static void Scale(Span<float> dst, float a, ReadOnlySpan<float> x) =>
        Combine(dst, a, x, 0f, x, 0f, x, 0f, x, terms: 1);

    /// <summary><c>dst = a·x + b·y</c>.</summary>
    public static void Combine(Span<float> dst, float a, ReadOnlySpan<float> x, float b, ReadOnlySpan<float> y) =>
        Combine(dst, a, x, b, y, 0f, y, 0f, y, terms: 2);

    /// <summary><c>dst = a·x + b·y + c·z</c>.</summary>
    public static void Combine(Span<float> dst, float a, ReadOnlySpan<float> x, float b, ReadOnlySpan<float> y, float c, ReadOnlySpan<float> z) =>
        Combine(dst, a, x, b, y, c, z, 0f, z, terms: 3);

    /// <summary><c>dst = a·x + b·y + c·z + d·w</c>.</summary>
    public static void Combine(
        Span<float> dst, float a, ReadOnlySpan<float> x, float b, ReadOnlySpan<float> y, float c, ReadOnlySpan<float> z, float d, ReadOnlySpan<float> w) =>
        Combine(dst, a, x, b, y, c, z, d, w, terms: 4);

    /// <summary><c>dst = x + a·y</c> (an axpy, the most common update).</summary>
    public static void AddScaled(Span<float> dst, ReadOnlySpan<float> x, float a, ReadOnlySpan<float> y) =>
        Combine(dst, 1f, x, a, y);

    /// <summary>
    /// k-diffusion's <c>to_d</c>: <c>d = (x − D)/σ</c>, difference then division as the reference rounds it (at a small
    /// σ the division magnifies every rounding of the difference).
    /// </summary>
    public static void Derivative(Span<float> d, ReadOnlySpan<float> x, ReadOnlySpan<float> denoised, float sigma)
    {
        int n = d.Length;
        if (x.Length != n || denoised.Length != n)
        {
            ThrowLengthMismatch();
        }

        ref float rd = ref MemoryMarshal.GetReference(d);
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(denoised);
        int i = 0;
        if (MaxVectorBits >= 512 && Vector512.IsHardwareAccelerated)
        {
            var vs = Vector512.Create(sigma);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                ((Vector512.LoadUnsafe(ref rx, (nuint)i) - Vector512.LoadUnsafe(ref ry, (nuint)i)) / vs).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        if (MaxVectorBits >= 256 && Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(sigma);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                ((Vector256.LoadUnsafe(ref rx, (nuint)i) - Vector256.LoadUnsafe(ref ry, (nuint)i)) / vs).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        if (MaxVectorBits >= 128 && Vector128.IsHardwareAccelerated)
        {
            var vs = Vector128.Create(sigma);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                ((Vector128.LoadUnsafe(ref rx, (nuint)i) - Vector128.LoadUnsafe(ref ry, (nuint)i)) / vs).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref rd, i) = (Unsafe.Add(ref rx, i) - Unsafe.Add(ref ry, i)) / sigma;
        }
    }

    /// <summary>Sum of <c>values[i]²</c> in double (error norms; order-independent enough for an acceptance test).</summary>
    public static double SumOfSquares(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float v in values)
        {
            sum += (double)v * v;
        }

        return sum;
    }

    private static void Combine(
        Span<float> dst, float a, ReadOnlySpan<float> x, float b, ReadOnlySpan<float> y, float c, ReadOnlySpan<float> z, float d, ReadOnlySpan<float> w, int terms)
    {
        int n = dst.Length;
        if (x.Length != n || y.Length != n || z.Length != n || w.Length != n)
        {
            ThrowLengthMismatch();
        }

        ref float rd = ref MemoryMarshal.GetReference(dst);
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rz = ref MemoryMarshal.GetReference(z);
        ref float rw = ref MemoryMarshal.GetReference(w);
        int i = 0;
        if (MaxVectorBits >= 512 && Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(a);
            var vb = Vector512.Create(b);
            var vc = Vector512.Create(c);
            var vd = Vector512.Create(d);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var acc = va * Vector512.LoadUnsafe(ref rx, (nuint)i);
                if (terms > 1)
                {
                    acc += vb * Vector512.LoadUnsafe(ref ry, (nuint)i);
                }

                if (terms > 2)
                {
                    acc += vc * Vector512.LoadUnsafe(ref rz, (nuint)i);
                }

                if (terms > 3)
                {
                    acc += vd * Vector512.LoadUnsafe(ref rw, (nuint)i);
                }

                acc.StoreUnsafe(ref rd, (nuint)i);
            }
        }

        if (MaxVectorBits >= 256 && Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            var vc = Vector256.Create(c);
            var vd = Vector256.Create(d);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var acc = va * Vector256.LoadUnsafe(ref rx, (nuint)i);
                if (terms > 1)
                {
                    acc += vb * Vector256.LoadUnsafe(ref ry, (nuint)i);
                }

                if (terms > 2)
                {
                    acc += vc * Vector256.LoadUnsafe(ref rz, (nuint)i);
                }

                if (terms > 3)
                {
                    acc += vd * Vector256.LoadUnsafe(ref rw, (nuint)i);
                }

                acc.StoreUnsafe(ref rd, (nuint)i);
            }
        }

        if (MaxVectorBits >= 128 && Vector128.IsHardwareAccelerated)
        {
            var va = Vector128.Create(a);
            var vb = Vector128.Create(b);
            var vc = Vector128.Create(c);
            var vd = Vector128.Create(d);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                var acc = va * Vector128.LoadUnsafe(ref rx, (nuint)i);
                if (terms > 1)
                {
                    acc += vb * Vector128.LoadUnsafe(ref ry, (nuint)i);
                }

                if (terms > 2)
                {
                    acc += vc * Vector128.LoadUnsafe(ref rz, (nuint)i);
                }

                if (terms > 3)
                {
                    acc += vd * Vector128.LoadUnsafe(ref rw, (nuint)i);
                }

                acc.StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float acc = a * Unsafe.Add(ref rx, i);
            if (terms > 1)
            {
                acc += b * Unsafe.Add(ref ry, i);
            }

            if (terms > 2)
            {
                acc += c * Unsafe.Add(ref rz, i);
            }

            if (terms > 3)
            {
                acc += d * Unsafe.Add(ref rw, i);
            }

            Unsafe.Add(ref rd, i) = acc;
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowLengthMismatch() =>
        throw new ArgumentException("Latent operands must all have the destination's length.");
}
