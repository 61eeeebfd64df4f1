using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>Runs an <see cref="IUnaryFloatOperator"/> over a span at the dispatched register width.</summary>
internal static class ElementwiseMap
{
    /// <summary>
    /// destination[i] = TOperator(source[i]). The spans may be the same memory (in place) but must not otherwise
    /// overlap; <paramref name="destination"/> must be at least as long as <paramref name="source"/>.
    /// </summary>
    public static void Run<TOperator>(ReadOnlySpan<float> source, Span<float> destination)
        where TOperator : IUnaryFloatOperator
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} elements, fewer than the {source.Length} of the source.", nameof(destination));
        }

        switch (KernelDispatch.Width)
        {
            case SimdWidth.W512: Run<TOperator, SimdF512>(source, destination); break;
            case SimdWidth.W256: Run<TOperator, SimdF256>(source, destination); break;
            case SimdWidth.W128: Run<TOperator, SimdF128>(source, destination); break;
            default: Run<TOperator, SimdF1>(source, destination); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOperator, T>(ReadOnlySpan<float> source, Span<float> destination)
        where TOperator : IUnaryFloatOperator
        where T : struct, ISimdFloat<T>
    {
        ref float src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        nuint length = (nuint)source.Length;
        nuint width = (nuint)T.Count;
        nuint i = 0;
        for (; i + (4 * width) <= length; i += 4 * width)
        {
            T a = TOperator.Invoke(T.Load(in src, i));
            T b = TOperator.Invoke(T.Load(in src, i + width));
            T c = TOperator.Invoke(T.Load(in src, i + (2 * width)));
            T d = TOperator.Invoke(T.Load(in src, i + (3 * width)));
            T.Store(a, ref dst, i);
            T.Store(b, ref dst, i + width);
            T.Store(c, ref dst, i + (2 * width));
            T.Store(d, ref dst, i + (3 * width));
        }

        for (; i + width <= length; i += width)
        {
            T.Store(TOperator.Invoke(T.Load(in src, i)), ref dst, i);
        }

        if (i < length)
        {
            // The tail goes through one full register in a stack buffer (padded with zeros) rather than a scalar loop.
            Span<float> buffer = stackalloc float[T.Count];
            buffer.Clear();
            int rest = (int)(length - i);
            source.Slice((int)i, rest).CopyTo(buffer);
            ref float b = ref MemoryMarshal.GetReference(buffer);
            T.Store(TOperator.Invoke(T.Load(in b, 0)), ref b, 0);
            buffer[..rest].CopyTo(destination.Slice((int)i, rest));
        }
    }
}
