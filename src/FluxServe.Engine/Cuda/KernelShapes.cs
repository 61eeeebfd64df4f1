using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FluxServe.Engine.Cuda;

/// <summary>Six 64-bit numbers: one per dimension of a kernel shape (<c>FX_MAX_DIMS</c> in <c>common.cuh</c>).</summary>
[InlineArray(KernelShapes.MaxDims)]
internal struct Dims6
{
    private long _element;
}

/// <summary>Mirror of <c>struct BroadcastShape</c> in <c>common.cuh</c> (152 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BroadcastShape
{
    public int Rank;
    public int Padding;
    public Dims6 Size;
    public Dims6 StrideA;
    public Dims6 StrideB;
}

/// <summary>Mirror of <c>struct PermuteShape</c> in <c>common.cuh</c> (104 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PermuteShape
{
    public int Rank;
    public int Padding;
    public Dims6 Size;
    public Dims6 Stride;
}

/// <summary>
/// Host-side planning of the index arithmetic kernels do: NumPy broadcasting with contiguous dimensions merged, and
/// permutations with contiguous runs merged and widened into larger copy units. Pure functions, tested without a GPU.
/// </summary>
internal static class KernelShapes
{
    public const int MaxDims = 6;

    /// <summary>The NumPy broadcast of two shapes, or null when they are incompatible.</summary>
    public static int[]? BroadcastShapeOf(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
            {
                return null;
            }

            result[i] = da == 1 ? db : da;
        }

        return result;
    }

    /// <summary>
    /// The collapsed description of <c>out = a op b</c> for contiguous <paramref name="a"/> and <paramref name="b"/>
    /// broadcast to <paramref name="output"/>: size-1 dimensions dropped, neighbours merged where both inputs continue
    /// contiguously (or are both broadcast) across them.
    /// </summary>
    /// <exception cref="NotSupportedException">More than <see cref="MaxDims"/> dimensions remain.</exception>
    public static BroadcastShape Broadcast(ReadOnlySpan<int> output, ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = output.Length;
        Span<long> strideA = stackalloc long[Math.Max(rank, 1)];
        Span<long> strideB = stackalloc long[Math.Max(rank, 1)];
        InputStrides(output, a, strideA);
        InputStrides(output, b, strideB);

        // Walk from the innermost dimension outwards, merging into the current innermost kept dimension.
        Span<long> size = stackalloc long[Math.Max(rank, 1)];
        Span<long> sa = stackalloc long[Math.Max(rank, 1)];
        Span<long> sb = stackalloc long[Math.Max(rank, 1)];
        int kept = 0;
        for (int d = rank - 1; d >= 0; d--)
        {
            if (output[d] == 1)
            {
                continue;
            }

            if (kept > 0 && strideA[d] == sa[kept - 1] * size[kept - 1] && strideB[d] == sb[kept - 1] * size[kept - 1])
            {
                size[kept - 1] *= output[d];
                continue;
            }

            size[kept] = output[d];
            sa[kept] = strideA[d];
            sb[kept] = strideB[d];
            kept++;
        }

        if (kept > MaxDims)
        {
            throw new NotSupportedException($"Broadcasting {Tensor.FormatShape(a)} with {Tensor.FormatShape(b)} needs {kept} dimensions; the CUDA kernels take {MaxDims}.");
        }

        var shape = new BroadcastShape { Rank = Math.Max(kept, 1) };
        shape.Size[0] = 1;
        for (int i = 0; i < kept; i++)
        {
            // Kept dimensions were collected innermost first; the kernel wants innermost last.
            int target = kept - 1 - i;
            shape.Size[target] = size[i];
            shape.StrideA[target] = sa[i];
            shape.StrideB[target] = sb[i];
        }

        return shape;
    }

    /// <summary>The plan of a permutation copy: the unit size in bytes and the collapsed shape in units.</summary>
    /// <param name="shape">The input shape.</param>
    /// <param name="dims">Output dimension i is input dimension dims[i].</param>
    /// <param name="elementSize">Bytes per element.</param>
    /// <param name="addressAlignment">The alignment both the source and destination addresses have (a power of two).</param>
    public static (int UnitBytes, PermuteShape Shape) Permute(ReadOnlySpan<int> shape, ReadOnlySpan<int> dims, int elementSize, long addressAlignment)
    {
        int rank = shape.Length;
        Span<long> inputStride = stackalloc long[Math.Max(rank, 1)];
        long running = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            inputStride[d] = running;
            running *= shape[d];
        }

        Span<long> size = stackalloc long[Math.Max(rank, 1)];
        Span<long> stride = stackalloc long[Math.Max(rank, 1)];
        int kept = 0;
        for (int i = rank - 1; i >= 0; i--)
        {
            int d = dims[i];
            if (shape[d] == 1)
            {
                continue;
            }

            if (kept > 0 && inputStride[d] == stride[kept - 1] * size[kept - 1])
            {
                size[kept - 1] *= shape[d];
                continue;
            }

            size[kept] = shape[d];
            stride[kept] = inputStride[d];
            kept++;
        }

        if (kept == 0)
        {
            size[0] = 1;
            stride[0] = 1;
            kept = 1;
        }

        if (kept > MaxDims)
        {
            throw new NotSupportedException($"Permuting {Tensor.FormatShape(shape)} needs {kept} dimensions; the CUDA kernels take {MaxDims}.");
        }

        // Widen the unit when the innermost output run is contiguous in the input: every size-in-bytes of that run,
        // every other stride in bytes and both addresses must be multiples of the unit.
        int unit = elementSize;
        if (stride[0] == 1)
        {
            for (int candidate = 16; candidate > elementSize; candidate >>= 1)
            {
                bool fits = size[0] * elementSize % candidate == 0 && addressAlignment % candidate == 0;
                for (int i = 1; fits && i < kept; i++)
                {
                    fits = stride[i] * elementSize % candidate == 0;
                }

                if (fits)
                {
                    unit = candidate;
                    break;
                }
            }
        }

        int ratio = unit / elementSize;
        var plan = new PermuteShape { Rank = kept };
        for (int i = 0; i < kept; i++)
        {
            int target = kept - 1 - i;
            plan.Size[target] = i == 0 ? size[0] / ratio : size[i];
            plan.Stride[target] = i == 0 && ratio > 1 ? 1 : stride[i] / ratio;
        }

        return (unit, plan);
    }

    /// <summary>The widest copy unit (16, 8, 4, 2 or 1 bytes) dividing every one of <paramref name="values"/>.</summary>
    public static int CopyUnit(params ReadOnlySpan<long> values)
    {
        long bits = 16;
        foreach (long v in values)
        {
            bits |= v;
        }

        return (int)(bits & -bits);
    }

    private static void InputStrides(ReadOnlySpan<int> output, ReadOnlySpan<int> input, Span<long> strides)
    {
        int rank = output.Length;
        int offset = rank - input.Length;
        long running = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            int size = d < offset ? 1 : input[d - offset];
            strides[d] = size == 1 ? 0 : running;
            running *= size;
        }
    }
}
