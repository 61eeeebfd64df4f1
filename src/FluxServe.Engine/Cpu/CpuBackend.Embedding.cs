using FluxServe.Engine.Numerics;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public Tensor Embedding(Tensor table, Tensor ids)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(ids);
        if (table.Rank != 2 || !table.DType.IsFloatingPoint())
        {
            throw new ArgumentException($"An embedding table must be a [V, D] float tensor, got {table}.", nameof(table));
        }

        if (ids.DType is not (DType.I64 or DType.I32))
        {
            throw new ArgumentException($"Embedding ids must be I64 or I32, got {ids.DType}.", nameof(ids));
        }

        int vocab = table.Dim(0), dim = table.Dim(1);
        int rowBytes = dim * table.DType.SizeOf();
        int[] shape = [.. ids.Shape, dim];
        var result = Allocate(shape, DType.F32, zero: false);
        var output = result.AsSpan<float>();
        var source = table.AsBytes();
        for (int i = 0; i < ids.Length; i++)
        {
            long id = ids.DType == DType.I64 ? ids.AsSpan<long>()[i] : ids.AsSpan<int>()[i];
            if ((ulong)id >= (ulong)vocab)
            {
                result.Dispose();
                throw new ArgumentOutOfRangeException(nameof(ids), $"Token id {id} at position {i} is outside the table's {vocab} rows.");
            }

            FloatConversion.ToSingle(table.DType, source.Slice(checked((int)(id * rowBytes)), rowBytes), output.Slice(i * dim, dim));
        }

        return result;
    }
}
