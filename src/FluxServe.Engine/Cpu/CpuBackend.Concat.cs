using System.Runtime.CompilerServices;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>Any dtype (all parts the same). Copies whole contiguous blocks: one per part per outer index.</remarks>
    public Tensor Concat(IReadOnlyList<Tensor> parts, int dim)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            TensorChecks.Throw(nameof(parts), "Concat needs at least one tensor.");
        }

        var first = parts[0];
        TensorChecks.RequireCpu(first, nameof(parts));
        if (first.Rank == 0)
        {
            TensorChecks.Throw(nameof(parts), "Scalars (rank 0) cannot be concatenated.");
        }

        int d = Tensor.NormalizeDim(dim, first.Rank);
        int total = 0;
        for (int p = 0; p < parts.Count; p++)
        {
            var part = parts[p];
            TensorChecks.RequireCpu(part, nameof(parts));
            bool matches = part.DType == first.DType && part.Rank == first.Rank;
            for (int i = 0; matches && i < first.Rank; i++)
            {
                matches = i == d || part.Shape[i] == first.Shape[i];
            }

            if (!matches)
            {
                TensorChecks.Throw(nameof(parts), $"Part {p} ({part.DType} {Tensor.FormatShape(part.Shape)}) does not match part 0 ({first.DType} {Tensor.FormatShape(first.Shape)}) outside dimension {d}.");
            }

            total = checked(total + part.Shape[d]);
        }

        int[] shape = first.Shape.ToArray();
        shape[d] = total;
        var y = Allocate(shape, first.DType, zero: false);
        long outer = OuterCount(shape, d);
        long innerBytes = InnerCount(shape, d) * first.DType.SizeOf();
        long offset = 0;
        foreach (var part in parts)
        {
            long block = part.Shape[d] * innerBytes;
            CopyBlocks(part.Pointer, block, y.Pointer + (nint)offset, total * innerBytes, block, outer);
            offset += block;
        }

        return y;
    }

    /// <summary>Product of the dimensions before <paramref name="dim"/>.</summary>
    private static long OuterCount(ReadOnlySpan<int> shape, int dim)
    {
        long n = 1;
        for (int i = 0; i < dim; i++)
        {
            n *= shape[i];
        }

        return n;
    }

    /// <summary>Product of the dimensions after <paramref name="dim"/>.</summary>
    private static long InnerCount(ReadOnlySpan<int> shape, int dim)
    {
        long n = 1;
        for (int i = dim + 1; i < shape.Length; i++)
        {
            n *= shape[i];
        }

        return n;
    }

    /// <summary>Copies <paramref name="count"/> blocks of <paramref name="bytes"/> bytes between strided positions.</summary>
    private static void CopyBlocks(nint source, long sourceStride, nint destination, long destinationStride, long bytes, long count)
    {
        if (bytes == 0 || count == 0)
        {
            return;
        }

        ParallelRange.For(checked((int)count), bytes / 4, new BlockCopies(source, sourceStride, destination, destinationStride, bytes));
    }

    private readonly unsafe struct BlockCopies(nint source, long sourceStride, nint destination, long destinationStride, long bytes) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            for (long i = start; i < end; i++)
            {
                Buffer.MemoryCopy((void*)(source + (nint)(i * sourceStride)), (void*)(destination + (nint)(i * destinationStride)), bytes, bytes);
            }
        }
    }
}
