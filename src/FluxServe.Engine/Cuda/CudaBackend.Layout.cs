using FluxServe.Engine.Cuda.Native;

namespace FluxServe.Engine.Cuda;

public sealed partial class CudaBackend
{
    /// <inheritdoc />
    /// <remarks>Keeps the parts' dtype when they share one (any dtype); mixed float parts give the activation dtype.</remarks>
    public Tensor Concat(IReadOnlyList<Tensor> parts, int dim)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("Concat needs at least one tensor.", nameof(parts));
        }

        var first = parts[0];
        RequireOnDevice(first, nameof(parts));
        int d = Tensor.NormalizeDim(dim, first.Rank);
        bool sameType = true;
        int total = 0;
        foreach (var part in parts)
        {
            RequireOnDevice(part, nameof(parts));
            sameType &= part.DType == first.DType;
            bool ok = part.Rank == first.Rank;
            for (int i = 0; ok && i < first.Rank; i++)
            {
                ok = i == d || part.Dim(i) == first.Dim(i);
            }

            if (!ok)
            {
                throw new ArgumentException($"Cannot concatenate {Tensor.FormatShape(part.Shape)} with {Tensor.FormatShape(first.Shape)} along dimension {d}.", nameof(parts));
            }

            total += part.Dim(d);
        }

        var dtype = sameType ? first.DType : ActivationDType;
        int[] shape = first.Shape.ToArray();
        shape[d] = total;
        var y = NewTensor(shape, dtype);
        long inner = 1;
        for (int i = d + 1; i < shape.Length; i++)
        {
            inner *= shape[i];
        }

        long outer = 1;
        for (int i = 0; i < d; i++)
        {
            outer *= shape[i];
        }

        using var temporaries = new TemporaryTensors();
        long size = dtype.SizeOf();
        long offset = 0;
        foreach (var part in parts)
        {
            var source = sameType ? part : As(part, dtype, temporaries);
            long rowElements = part.Dim(d) * inner;
            CopyRows(source.Pointer, y.Pointer + (nint)(offset * size), outer, rowElements * size, rowElements * size, total * inner * size);
            offset += rowElements;
        }

        return y;
    }

    /// <inheritdoc />
    public Tensor Slice(Tensor x, int dim, int start, int length)
    {
        RequireOnDevice(x, nameof(x));
        int d = Tensor.NormalizeDim(dim, x.Rank);
        if (start < 0 || length < 0 || start + length > x.Dim(d))
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Elements {start}..{start + length} are outside dimension {d} of {Tensor.FormatShape(x.Shape)}.");
        }

        int[] shape = x.Shape.ToArray();
        shape[d] = length;
        var y = NewTensor(shape, x.DType);
        long inner = 1;
        for (int i = d + 1; i < shape.Length; i++)
        {
            inner *= shape[i];
        }

        long outer = 1;
        for (int i = 0; i < d; i++)
        {
            outer *= shape[i];
        }

        long size = x.DType.SizeOf();
        CopyRows(x.Pointer + (nint)(start * inner * size), y.Pointer, outer, length * inner * size, x.Dim(d) * inner * size, length * inner * size);
        return y;
    }

    /// <inheritdoc />
    public Tensor Permute(Tensor x, ReadOnlySpan<int> dims)
    {
        RequireOnDevice(x, nameof(x));
        if (dims.Length != x.Rank)
        {
            throw new ArgumentException($"Permute of a rank-{x.Rank} tensor needs {x.Rank} dimensions, got {dims.Length}.", nameof(dims));
        }

        Span<bool> seen = stackalloc bool[x.Rank];
        int[] shape = new int[x.Rank];
        int[] normalized = new int[x.Rank];
        for (int i = 0; i < dims.Length; i++)
        {
            int d = Tensor.NormalizeDim(dims[i], x.Rank);
            if (seen[d])
            {
                throw new ArgumentException($"Dimension {d} appears twice in the permutation.", nameof(dims));
            }

            seen[d] = true;
            normalized[i] = d;
            shape[i] = x.Dim(d);
        }

        var y = NewTensor(shape, x.DType);
        if (y.Length == 0)
        {
            return y;
        }

        long alignment = (x.Pointer | y.Pointer | 16) & -(x.Pointer | y.Pointer | 16);
        var (unit, plan) = KernelShapes.Permute(x.Shape, normalized, x.DType.SizeOf(), alignment);
        if (plan.Rank == 1 && plan.Stride[0] == 1)
        {
            DeviceCopy(x.Pointer, y.Pointer, x.ByteLength);
            return y;
        }

        long units = x.ByteLength / unit;
        var args = new KernelArguments(stackalloc byte[192], stackalloc nint[8]);
        args.Add(x.Pointer);
        args.Add(y.Pointer);
        args.Add(units);
        args.Add(plan);
        LaunchElementwise(CudaKernels.Layout, CudaKernels.PermuteKernel(unit), units, ref args);
        return y;
    }

    // rows × rowBytes from source (rows sourceStride bytes apart) to destination (destinationStride apart).
    private void CopyRows(nint source, nint destination, long rows, long rowBytes, long sourceStride, long destinationStride)
    {
        if (rows == 0 || rowBytes == 0)
        {
            return;
        }

        if (rows == 1 || (rowBytes == sourceStride && rowBytes == destinationStride))
        {
            DeviceCopy(source, destination, rows * rowBytes);
            return;
        }

        int unit = KernelShapes.CopyUnit(rowBytes, sourceStride, destinationStride, source, destination);
        var args = new KernelArguments(stackalloc byte[64], stackalloc nint[8]);
        args.Add(source);
        args.Add(destination);
        args.Add(rows);
        args.Add(rowBytes / unit);
        args.Add(sourceStride / unit);
        args.Add(destinationStride / unit);
        LaunchElementwise(CudaKernels.Layout, CudaKernels.CopyRows(unit), rows * (rowBytes / unit), ref args);
    }

    private void DeviceCopy(nint source, nint destination, long bytes)
    {
        if (bytes > 0)
        {
            _runtime.MakeCurrent();
            CudaDriver.Check(CudaDriver.cuMemcpyDtoDAsync_v2((ulong)destination, (ulong)source, (nuint)bytes, _runtime.Stream), "cuMemcpyDtoDAsync");
        }
    }
}
