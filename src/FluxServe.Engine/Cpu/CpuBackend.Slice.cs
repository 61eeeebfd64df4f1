using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>Any dtype; <paramref name="dim"/> may be negative. The result is a copy (a view only along dimension 0 is
    /// <see cref="Tensor.Narrow0"/>).</remarks>
    public Tensor Slice(Tensor x, int dim, int start, int length)
    {
        TensorChecks.RequireCpu(x, nameof(x));
        if (x.Rank == 0)
        {
            TensorChecks.Throw(nameof(x), "A scalar (rank 0) cannot be sliced.");
        }

        int d = Tensor.NormalizeDim(dim, x.Rank);
        int size = x.Shape[d];
        if (start < 0 || length < 0 || start > size - length)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Elements {start}..{(long)start + length} are outside dimension {d} (size {size}) of {Tensor.FormatShape(x.Shape)}.");
        }

        int[] shape = x.Shape.ToArray();
        shape[d] = length;
        var y = Allocate(shape, x.DType, zero: false);
        long innerBytes = InnerCount(shape, d) * x.DType.SizeOf();
        CopyBlocks(x.Pointer + (nint)(start * innerBytes), size * innerBytes, y.Pointer, length * innerBytes, length * innerBytes, OuterCount(shape, d));
        return y;
    }
}
