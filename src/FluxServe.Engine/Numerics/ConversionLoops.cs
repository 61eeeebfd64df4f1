using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FluxServe.Engine.Numerics;

/// <summary>
/// The span loops shared by the float-format conversions: one loop per element width, specialised by the JIT for each
/// <see cref="IWidening"/>/<see cref="INarrowing"/>. Each loop runs whole vector blocks at the requested
/// <see cref="SimdLevel"/> and finishes with one block that ends at the last element (overlapping work already done)
/// rather than a scalar tail; spans shorter than one block fall to the next narrower level. Source and destination
/// must not overlap.
/// </summary>
internal static class ConversionLoops
{
    /// <summary>Widens 16-bit patterns.</summary>
    public static void Widen16<TOp>(ReadOnlySpan<ushort> source, Span<float> destination, SimdLevel level)
        where TOp : struct, IWidening
    {
        int n = source.Length;
        CheckDestination(n, destination.Length);
        ref ushort src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);

        if (level >= SimdLevel.Vector512 && n >= 32)
        {
            for (int i = 0; ; i += 32)
            {
                if (i > n - 32)
                {
                    i = n - 32;
                }

                var (lo, hi) = Vector512.Widen(Vector512.LoadUnsafe(ref src, (nuint)i));
                TOp.Vector(lo).StoreUnsafe(ref dst, (nuint)i);
                TOp.Vector(hi).StoreUnsafe(ref dst, (nuint)(i + 16));
                if (i == n - 32)
                {
                    return;
                }
            }
        }

        if (level >= SimdLevel.Vector256 && n >= 16)
        {
            for (int i = 0; ; i += 16)
            {
                if (i > n - 16)
                {
                    i = n - 16;
                }

                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                TOp.Vector(lo).StoreUnsafe(ref dst, (nuint)i);
                TOp.Vector(hi).StoreUnsafe(ref dst, (nuint)(i + 8));
                if (i == n - 16)
                {
                    return;
                }
            }
        }

        if (level >= SimdLevel.Vector128 && n >= 8)
        {
            for (int i = 0; ; i += 8)
            {
                if (i > n - 8)
                {
                    i = n - 8;
                }

                var (lo, hi) = Vector128.Widen(Vector128.LoadUnsafe(ref src, (nuint)i));
                TOp.Vector(lo).StoreUnsafe(ref dst, (nuint)i);
                TOp.Vector(hi).StoreUnsafe(ref dst, (nuint)(i + 4));
                if (i == n - 8)
                {
                    return;
                }
            }
        }

        for (int i = 0; i < n; i++)
        {
            Unsafe.Add(ref dst, i) = TOp.Scalar(Unsafe.Add(ref src, i));
        }
    }

    /// <summary>Widens 8-bit patterns.</summary>
    public static void Widen8<TOp>(ReadOnlySpan<byte> source, Span<float> destination, SimdLevel level)
        where TOp : struct, IWidening
    {
        int n = source.Length;
        CheckDestination(n, destination.Length);
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);

        if (level >= SimdLevel.Vector512 && n >= 64)
        {
            for (int i = 0; ; i += 64)
            {
                if (i > n - 64)
                {
                    i = n - 64;
                }

                var (b0, b1) = Vector512.Widen(Vector512.LoadUnsafe(ref src, (nuint)i));
                var (w0, w1) = Vector512.Widen(b0);
                var (w2, w3) = Vector512.Widen(b1);
                TOp.Vector(w0).StoreUnsafe(ref dst, (nuint)i);
                TOp.Vector(w1).StoreUnsafe(ref dst, (nuint)(i + 16));
                TOp.Vector(w2).StoreUnsafe(ref dst, (nuint)(i + 32));
                TOp.Vector(w3).StoreUnsafe(ref dst, (nuint)(i + 48));
                if (i == n - 64)
                {
                    return;
                }
            }
        }

        if (level >= SimdLevel.Vector256 && n >= 32)
        {
            for (int i = 0; ; i += 32)
            {
                if (i > n - 32)
                {
                    i = n - 32;
                }

                var (b0, b1) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                var (w0, w1) = Vector256.Widen(b0);
                var (w2, w3) = Vector256.Widen(b1);
                TOp.Vector(w0).StoreUnsafe(ref dst, (nuint)i);
                TOp.Vector(w1).StoreUnsafe(ref dst, (nuint)(i + 8));
                TOp.Vector(w2).StoreUnsafe(ref dst, (nuint)(i + 16));
                TOp.Vector(w3).StoreUnsafe(ref dst, (nuint)(i + 24));
                if (i == n - 32)
                {
                    return;
                }
            }
        }

        if (level >= SimdLevel.Vector128 && n >= 16)
        {
            for (int i = 0; ; i += 16)
            {
                if (i > n - 16)
                {
                    i = n - 16;
                }

                var (b0, b1) = Vector128.Widen(Vector128.LoadUnsafe(ref src, (nuint)i));
                var (w0, w1) = Vector128.Widen(b0);
                var (w2, w3) = Vector128.Widen(b1);
                TOp.Vector(w0).StoreUnsafe(ref dst, (nuint)i);
                TOp.Vector(w1).StoreUnsafe(ref dst, (nuint)(i + 4));
                TOp.Vector(w2).StoreUnsafe(ref dst, (nuint)(i + 8));
                TOp.Vector(w3).StoreUnsafe(ref dst, (nuint)(i + 12));
                if (i == n - 16)
                {
                    return;
                }
            }
        }

        for (int i = 0; i < n; i++)
        {
            Unsafe.Add(ref dst, i) = TOp.Scalar(Unsafe.Add(ref src, i));
        }
    }

    /// <summary>Narrows to 16-bit patterns.</summary>
    public static void Narrow16<TOp>(ReadOnlySpan<float> source, Span<ushort> destination, SimdLevel level)
        where TOp : struct, INarrowing
    {
        int n = source.Length;
        CheckDestination(n, destination.Length);
        ref float src = ref MemoryMarshal.GetReference(source);
        ref ushort dst = ref MemoryMarshal.GetReference(destination);

        if (level >= SimdLevel.Vector512 && n >= 32)
        {
            for (int i = 0; ; i += 32)
            {
                if (i > n - 32)
                {
                    i = n - 32;
                }

                var lo = TOp.Vector(Vector512.LoadUnsafe(ref src, (nuint)i));
                var hi = TOp.Vector(Vector512.LoadUnsafe(ref src, (nuint)(i + 16)));
                Vector512.Narrow(lo, hi).StoreUnsafe(ref dst, (nuint)i);
                if (i == n - 32)
                {
                    return;
                }
            }
        }

        if (level >= SimdLevel.Vector256 && n >= 16)
        {
            for (int i = 0; ; i += 16)
            {
                if (i > n - 16)
                {
                    i = n - 16;
                }

                var lo = TOp.Vector(Vector256.LoadUnsafe(ref src, (nuint)i));
                var hi = TOp.Vector(Vector256.LoadUnsafe(ref src, (nuint)(i + 8)));
                Vector256.Narrow(lo, hi).StoreUnsafe(ref dst, (nuint)i);
                if (i == n - 16)
                {
                    return;
                }
            }
        }

        if (level >= SimdLevel.Vector128 && n >= 8)
        {
            for (int i = 0; ; i += 8)
            {
                if (i > n - 8)
                {
                    i = n - 8;
                }

                var lo = TOp.Vector(Vector128.LoadUnsafe(ref src, (nuint)i));
                var hi = TOp.Vector(Vector128.LoadUnsafe(ref src, (nuint)(i + 4)));
                Vector128.Narrow(lo, hi).StoreUnsafe(ref dst, (nuint)i);
                if (i == n - 8)
                {
                    return;
                }
            }
        }

        for (int i = 0; i < n; i++)
        {
            Unsafe.Add(ref dst, i) = (ushort)TOp.Scalar(Unsafe.Add(ref src, i));
        }
    }

    /// <summary>Narrows to 8-bit patterns.</summary>
    public static void Narrow8<TOp>(ReadOnlySpan<float> source, Span<byte> destination, SimdLevel level)
        where TOp : struct, INarrowing
    {
        int n = source.Length;
        CheckDestination(n, destination.Length);
        ref float src = ref MemoryMarshal.GetReference(source);
        ref byte dst = ref MemoryMarshal.GetReference(destination);

        if (level >= SimdLevel.Vector512 && n >= 64)
        {
            for (int i = 0; ; i += 64)
            {
                if (i > n - 64)
                {
                    i = n - 64;
                }

                var w0 = TOp.Vector(Vector512.LoadUnsafe(ref src, (nuint)i));
                var w1 = TOp.Vector(Vector512.LoadUnsafe(ref src, (nuint)(i + 16)));
                var w2 = TOp.Vector(Vector512.LoadUnsafe(ref src, (nuint)(i + 32)));
                var w3 = TOp.Vector(Vector512.LoadUnsafe(ref src, (nuint)(i + 48)));
                Vector512.Narrow(Vector512.Narrow(w0, w1), Vector512.Narrow(w2, w3)).StoreUnsafe(ref dst, (nuint)i);
                if (i == n - 64)
                {
                    return;
                }
            }
        }

        if (level >= SimdLevel.Vector256 && n >= 32)
        {
            for (int i = 0; ; i += 32)
            {
                if (i > n - 32)
                {
                    i = n - 32;
                }

                var w0 = TOp.Vector(Vector256.LoadUnsafe(ref src, (nuint)i));
                var w1 = TOp.Vector(Vector256.LoadUnsafe(ref src, (nuint)(i + 8)));
                var w2 = TOp.Vector(Vector256.LoadUnsafe(ref src, (nuint)(i + 16)));
                var w3 = TOp.Vector(Vector256.LoadUnsafe(ref src, (nuint)(i + 24)));
                Vector256.Narrow(Vector256.Narrow(w0, w1), Vector256.Narrow(w2, w3)).StoreUnsafe(ref dst, (nuint)i);
                if (i == n - 32)
                {
                    return;
                }
            }
        }

        if (level >= SimdLevel.Vector128 && n >= 16)
        {
            for (int i = 0; ; i += 16)
            {
                if (i > n - 16)
                {
                    i = n - 16;
                }

                var w0 = TOp.Vector(Vector128.LoadUnsafe(ref src, (nuint)i));
                var w1 = TOp.Vector(Vector128.LoadUnsafe(ref src, (nuint)(i + 4)));
                var w2 = TOp.Vector(Vector128.LoadUnsafe(ref src, (nuint)(i + 8)));
                var w3 = TOp.Vector(Vector128.LoadUnsafe(ref src, (nuint)(i + 12)));
                Vector128.Narrow(Vector128.Narrow(w0, w1), Vector128.Narrow(w2, w3)).StoreUnsafe(ref dst, (nuint)i);
                if (i == n - 16)
                {
                    return;
                }
            }
        }

        for (int i = 0; i < n; i++)
        {
            Unsafe.Add(ref dst, i) = (byte)TOp.Scalar(Unsafe.Add(ref src, i));
        }
    }

    private static void CheckDestination(int sourceLength, int destinationLength)
    {
        if (destinationLength < sourceLength)
        {
            ThrowDestinationTooShort(sourceLength, destinationLength, "destination");
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowDestinationTooShort(int sourceLength, int destinationLength, string parameterName) =>
        throw new ArgumentException(
            $"The destination holds {destinationLength} elements but the source has {sourceLength}.", parameterName);
}
