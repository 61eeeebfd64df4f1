namespace FluxServe.Engine.Cuda;

public sealed partial class CudaBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// The table stays on the device in its stored dtype; the gathered rows are converted to the activation dtype.
    /// <paramref name="ids"/> may be on the host (token ids from a tokenizer): they are range-checked there, as the CPU
    /// backend does, and uploaded. Ids already on the device are not checked; an id out of range gives a zero row.
    /// </remarks>
    public Tensor Embedding(Tensor table, Tensor ids)
    {
        RequireFloat(table, nameof(table));
        ArgumentNullException.ThrowIfNull(ids);
        if (table.Rank != 2)
        {
            throw new ArgumentException($"An embedding table must be a [V, D] float tensor, got {table}.", nameof(table));
        }

        if (ids.DType is not (DType.I64 or DType.I32))
        {
            throw new ArgumentException($"Embedding ids must be I64 or I32, got {ids.DType}.", nameof(ids));
        }

        int vocab = table.Dim(0), dim = table.Dim(1);
        using var temporaries = new TemporaryTensors();
        var deviceIds = ids;
        if (ids.Device.Kind == DeviceKind.Cpu)
        {
            for (int i = 0; i < ids.Length; i++)
            {
                long id = ids.DType == DType.I64 ? ids.AsSpan<long>()[i] : ids.AsSpan<int>()[i];
                if ((ulong)id >= (ulong)vocab)
                {
                    throw new ArgumentOutOfRangeException(nameof(ids), $"Token id {id} at position {i} is outside the table's {vocab} rows.");
                }
            }

            deviceIds = temporaries.Add(Copy(ids, Device));
        }
        else
        {
            RequireOnDevice(ids, nameof(ids));
        }

        int[] shape = [.. ids.Shape, dim];
        var gathered = NewTensor(shape, table.DType);
        long rowBytes = (long)dim * table.DType.SizeOf();
        if (gathered.Length > 0)
        {
            int unit = KernelShapes.CopyUnit(rowBytes, table.Pointer, gathered.Pointer);
            var args = new KernelArguments(stackalloc byte[64], stackalloc nint[8]);
            args.Add(table.Pointer);
            args.Add(deviceIds.Pointer);
            args.Add(gathered.Pointer);
            args.Add(ids.Length);
            args.Add(rowBytes / unit);
            args.Add((long)vocab);
            LaunchElementwise(CudaKernels.Layout, CudaKernels.GatherRows(unit, ids.DType), ids.Length * (rowBytes / unit), ref args);
        }

        if (table.DType == ActivationDType)
        {
            return gathered;
        }

        using (gathered)
        {
            return Cast(gathered, ActivationDType);
        }
    }
}
