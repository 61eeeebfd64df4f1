using System.Runtime.CompilerServices;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    // Square tiles of the two innermost output dimensions: a transpose then reads and writes whole cache lines.
    private const int PermuteTile = 16;

    /// <inheritdoc />
    /// <remarks>
    /// Any dtype. Dimensions that stay adjacent are merged first; when the innermost merged dimension is contiguous in
    /// the input the copy is row by row, otherwise the last two dimensions are walked in tiles.
    /// </remarks>
    public Tensor Permute(Tensor x, ReadOnlySpan<int> dims)
    {
        TensorChecks.RequireCpu(x, nameof(x));
        int rank = x.Rank;
        if (dims.Length != rank)
        {
            TensorChecks.Throw(nameof(dims), $"Permute of {Tensor.FormatShape(x.Shape)} needs {rank} dimensions, got {dims.Length}.");
        }

        Span<bool> seen = stackalloc bool[rank];
        int[] shape = new int[rank];
        long[] inputStrides = new long[rank];
        long stride = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            inputStrides[i] = stride;
            stride *= x.Shape[i];
        }

        var sizes = new List<int>(rank);
        var strides = new List<long>(rank);
        for (int i = 0; i < rank; i++)
        {
            int source = dims[i];
            if (source < 0 || source >= rank || seen[source])
            {
                TensorChecks.Throw(nameof(dims), $"({string.Join(", ", dims.ToArray())}) is not a permutation of the {rank} dimensions of {Tensor.FormatShape(x.Shape)}.");
            }

            seen[source] = true;
            shape[i] = x.Shape[source];
            if (shape[i] == 1)
            {
                continue;
            }

            // Merge with the previous output dimension when the input continues it contiguously.
            int last = sizes.Count - 1;
            if (last >= 0 && strides[last] == inputStrides[source] * shape[i])
            {
                sizes[last] *= shape[i];
                strides[last] = inputStrides[source];
            }
            else
            {
                sizes.Add(shape[i]);
                strides.Add(inputStrides[source]);
            }
        }

        var y = Allocate(shape, x.DType, zero: false);
        if (y.Length == 0)
        {
            return y;
        }

        if (sizes.Count <= 1)
        {
            // The permutation keeps the element order (only size-1 dimensions move).
            x.AsBytes().CopyTo(y.AsBytes());
            return y;
        }

        var plan = new PermutePlan(x.Pointer, y.Pointer, [.. sizes], [.. strides]);
        switch (x.DType.SizeOf())
        {
            case 1: RunPermute<byte>(plan); break;
            case 2: RunPermute<ushort>(plan); break;
            case 4: RunPermute<uint>(plan); break;
            default: RunPermute<ulong>(plan); break;
        }

        return y;
    }

    private static void RunPermute<TElement>(PermutePlan plan)
        where TElement : unmanaged
    {
        if (plan.Strides[^1] == 1)
        {
            // Innermost run contiguous in both: one block copy per output row.
            int rows = checked((int)plan.OuterRows(1));
            ParallelRange.For(rows, plan.Sizes[^1], new PermuteRows<TElement>(plan));
        }
        else
        {
            int tiles = checked((int)(plan.OuterRows(2) * ((plan.Sizes[^2] + PermuteTile - 1) / PermuteTile)));
            ParallelRange.For(tiles, (long)PermuteTile * plan.Sizes[^1], new PermuteTiles<TElement>(plan));
        }
    }

    private readonly struct PermutePlan(nint input, nint output, int[] sizes, long[] strides)
    {
        public nint Input { get; } = input;

        public nint Output { get; } = output;

        /// <summary>Merged output dimensions (at least two), outermost first.</summary>
        public int[] Sizes { get; } = sizes;

        /// <summary>Input element stride of each merged output dimension.</summary>
        public long[] Strides { get; } = strides;

        /// <summary>Product of all merged sizes except the last <paramref name="inner"/>.</summary>
        public long OuterRows(int inner)
        {
            long n = 1;
            for (int i = 0; i < Sizes.Length - inner; i++)
            {
                n *= Sizes[i];
            }

            return n;
        }

        /// <summary>Input element offset of outer index <paramref name="index"/> over the dimensions before the last <paramref name="inner"/>.</summary>
        public long InputOffset(long index, int inner)
        {
            long offset = 0;
            for (int dim = Sizes.Length - inner - 1; dim >= 0; dim--)
            {
                offset += index % Sizes[dim] * Strides[dim];
                index /= Sizes[dim];
            }

            return offset;
        }
    }

    private readonly unsafe struct PermuteRows<TElement>(PermutePlan plan) : IRangeBody
        where TElement : unmanaged
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            int n = plan.Sizes[^1];
            var input = (TElement*)plan.Input;
            var output = (TElement*)plan.Output;
            for (long row = start; row < end; row++)
            {
                new ReadOnlySpan<TElement>(input + plan.InputOffset(row, 1), n).CopyTo(new Span<TElement>(output + (row * n), n));
            }
        }
    }

    private readonly unsafe struct PermuteTiles<TElement>(PermutePlan plan) : IRangeBody
        where TElement : unmanaged
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            int rows = plan.Sizes[^2], columns = plan.Sizes[^1];
            long rowStride = plan.Strides[^2], columnStride = plan.Strides[^1];
            int tilesPerMatrix = (rows + PermuteTile - 1) / PermuteTile;
            var input = (TElement*)plan.Input;
            var output = (TElement*)plan.Output;
            for (int item = start; item < end; item++)
            {
                long matrix = item / tilesPerMatrix;
                int r0 = item % tilesPerMatrix * PermuteTile;
                int r1 = Math.Min(r0 + PermuteTile, rows);
                TElement* source = input + plan.InputOffset(matrix, 2);
                TElement* destination = output + (matrix * rows * columns);
                for (int c0 = 0; c0 < columns; c0 += PermuteTile)
                {
                    int c1 = Math.Min(c0 + PermuteTile, columns);
                    for (int r = r0; r < r1; r++)
                    {
                        TElement* from = source + (r * rowStride);
                        TElement* to = destination + ((long)r * columns);
                        for (int c = c0; c < c1; c++)
                        {
                            to[c] = from[c * columnStride];
                        }
                    }
                }
            }
        }
    }
}
