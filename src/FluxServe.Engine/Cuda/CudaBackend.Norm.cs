namespace FluxServe.Engine.Cuda;

public sealed partial class CudaBackend
{
    private const int RowsPerBlock = BlockSize / 32;

    /// <inheritdoc />
    public Tensor LayerNorm(Tensor x, Tensor? weight, Tensor? bias, float eps) => LayerNormCore(x, weight, bias, null, null, eps);

    /// <summary>
    /// <c>Modulate(LayerNorm(x), shift, scale)</c> without affine weights, in one pass (FLUX's pre-attention and
    /// pre-MLP norms): x [B, L, D], shift and scale [B, D] or [B, 1, D].
    /// </summary>
    public Tensor LayerNormModulate(Tensor x, Tensor shift, Tensor scale, float eps)
    {
        RequireFloat(shift, nameof(shift));
        RequireFloat(scale, nameof(scale));
        return LayerNormCore(x, null, null, shift, scale, eps);
    }

    /// <inheritdoc />
    public Tensor RmsNorm(Tensor x, Tensor weight, float eps)
    {
        RequireFloat(x, nameof(x));
        RequireFloat(weight, nameof(weight));
        int d = x.Dim(-1);
        RequireVector(weight, d, nameof(weight));
        using var temporaries = new TemporaryTensors();
        var cx = AsActivation(x, temporaries);
        var y = NewTensor(x.Shape, ActivationDType);
        long rows = d == 0 ? 0 : x.Length / d;
        var args = new KernelArguments(stackalloc byte[64], stackalloc nint[8]);
        args.Add(cx.Pointer);
        args.Add(y.Pointer);
        args.Add(ParameterAs(weight, DType.F32, temporaries));
        args.Add(rows);
        args.Add(d);
        args.Add(eps);
        LaunchRows(CudaKernels.RmsNorm(ActivationDType), rows, ref args);
        return y;
    }

    /// <inheritdoc />
    public Tensor Modulate(Tensor x, Tensor shift, Tensor scale)
    {
        RequireFloat(x, nameof(x));
        RequireFloat(shift, nameof(shift));
        RequireFloat(scale, nameof(scale));
        var (rowsPerBatch, d) = ModulationShape(x, shift, scale);
        using var temporaries = new TemporaryTensors();
        var cx = AsActivation(x, temporaries);
        var y = NewTensor(x.Shape, ActivationDType);
        var args = new KernelArguments(stackalloc byte[96], stackalloc nint[8]);
        args.Add(cx.Pointer);
        args.Add(AsActivation(shift, temporaries).Pointer);
        args.Add(AsActivation(scale, temporaries).Pointer);
        args.Add(y.Pointer);
        args.Add(y.Length);
        args.Add(d);
        args.Add(rowsPerBatch);
        args.Add((long)d);
        LaunchElementwise(CudaKernels.Norm, CudaKernels.Modulate(ActivationDType), y.Length, ref args);
        return y;
    }

    /// <inheritdoc />
    public Tensor GroupNorm(Tensor x, int groups, Tensor? weight, Tensor? bias, float eps) =>
        GroupNormActivate(x, groups, weight, bias, eps, Activation.None);

    /// <summary>GroupNorm followed by <paramref name="activation"/> in the same pass (the autoencoder's norm + SiLU).</summary>
    public Tensor GroupNormActivate(Tensor x, int groups, Tensor? weight, Tensor? bias, float eps, Activation activation)
    {
        RequireFloat(x, nameof(x));
        if (x.Rank < 2 || groups <= 0 || x.Dim(1) % groups != 0)
        {
            throw new ArgumentException($"GroupNorm needs [B, C, ...] with C divisible by {groups} groups, got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }

        int batch = x.Dim(0), channels = x.Dim(1);
        long spatial = channels == 0 || batch == 0 ? 0 : x.Length / ((long)batch * channels);
        if (weight is not null)
        {
            RequireFloat(weight, nameof(weight));
            RequireVector(weight, channels, nameof(weight));
        }

        if (bias is not null)
        {
            RequireFloat(bias, nameof(bias));
            RequireVector(bias, channels, nameof(bias));
        }

        using var temporaries = new TemporaryTensors();
        var cx = AsActivation(x, temporaries);
        var y = NewTensor(x.Shape, ActivationDType);
        if (y.Length == 0)
        {
            return y;
        }

        long groupLength = channels / groups * spatial;
        int groupCount = batch * groups;
        int chunks = (int)Math.Clamp((groupLength + 16383) / 16384, 1, 1024);
        var partials = temporaries.Add(NewTensor([groupCount, chunks, 3], DType.F32));
        var stats = temporaries.Add(NewTensor([groupCount, 2], DType.F32));

        var args = new KernelArguments(stackalloc byte[64], stackalloc nint[8]);
        args.Add(cx.Pointer);
        args.Add(partials.Pointer);
        args.Add(groupLength);
        args.Add(chunks);
        Launch(CudaKernels.Norm, CudaKernels.GroupNormStats(ActivationDType), (uint)chunks, (uint)groupCount, 1, BlockSize, 0, ref args);

        var finalize = new KernelArguments(stackalloc byte[64], stackalloc nint[8]);
        finalize.Add(partials.Pointer);
        finalize.Add(stats.Pointer);
        finalize.Add(groupCount);
        finalize.Add(chunks);
        finalize.Add(eps);
        Launch(CudaKernels.Norm, CudaKernels.GroupNormFinalize, (uint)((groupCount + BlockSize - 1) / BlockSize), 1, 1, BlockSize, 0, ref finalize);

        var apply = new KernelArguments(stackalloc byte[128], stackalloc nint[12]);
        apply.Add(cx.Pointer);
        apply.Add(y.Pointer);
        apply.Add(stats.Pointer);
        apply.Add(ParameterAs(weight, DType.F32, temporaries));
        apply.Add(ParameterAs(bias, DType.F32, temporaries));
        apply.Add(y.Length);
        apply.Add(channels);
        apply.Add(groups);
        apply.Add(spatial);
        apply.Add((int)activation);
        LaunchElementwise(CudaKernels.Norm, CudaKernels.GroupNormApply(ActivationDType), y.Length, ref apply);
        return y;
    }

    private Tensor LayerNormCore(Tensor x, Tensor? weight, Tensor? bias, Tensor? shift, Tensor? scale, float eps)
    {
        RequireFloat(x, nameof(x));
        int d = x.Dim(-1);
        if (weight is not null)
        {
            RequireFloat(weight, nameof(weight));
            RequireVector(weight, d, nameof(weight));
        }

        if (bias is not null)
        {
            RequireFloat(bias, nameof(bias));
            RequireVector(bias, d, nameof(bias));
        }

        long rowsPerBatch = 1;
        if (shift is not null && scale is not null)
        {
            (rowsPerBatch, _) = ModulationShape(x, shift, scale);
        }

        using var temporaries = new TemporaryTensors();
        var cx = AsActivation(x, temporaries);
        var y = NewTensor(x.Shape, ActivationDType);
        long rows = d == 0 ? 0 : x.Length / d;
        var args = new KernelArguments(stackalloc byte[128], stackalloc nint[12]);
        args.Add(cx.Pointer);
        args.Add(y.Pointer);
        args.Add(ParameterAs(weight, DType.F32, temporaries));
        args.Add(ParameterAs(bias, DType.F32, temporaries));
        args.Add(shift is null ? 0 : AsActivation(shift, temporaries).Pointer);
        args.Add(scale is null ? 0 : AsActivation(scale, temporaries).Pointer);
        args.Add(rows);
        args.Add(d);
        args.Add(rowsPerBatch);
        args.Add((long)d);
        args.Add(eps);
        LaunchRows(CudaKernels.LayerNorm(ActivationDType), rows, ref args);
        return y;
    }

    // One warp per row.
    private void LaunchRows(string kernel, long rows, ref KernelArguments args)
    {
        if (rows > 0)
        {
            Launch(CudaKernels.Norm, kernel, GridFor(rows, RowsPerBlock), 1, 1, BlockSize, 0, ref args);
        }
    }

    // x [B, ..., D] with shift/scale holding B rows of D: (rows per batch item, D).
    private static (long RowsPerBatch, int D) ModulationShape(Tensor x, Tensor shift, Tensor scale)
    {
        if (x.Rank < 2)
        {
            throw new ArgumentException($"Modulation needs x [B, L, D], got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }

        int batch = x.Dim(0), d = x.Dim(-1);
        long expected = (long)batch * d;
        if (shift.Length != expected || scale.Length != expected || shift.Dim(-1) != d || scale.Dim(-1) != d || shift.Dim(0) != batch || scale.Dim(0) != batch)
        {
            throw new ArgumentException(
                $"shift {Tensor.FormatShape(shift.Shape)} and scale {Tensor.FormatShape(scale.Shape)} must be [{batch}, {d}] or [{batch}, 1, {d}] for x {Tensor.FormatShape(x.Shape)}.",
                nameof(shift));
        }

        long rows = d == 0 ? 0 : x.Length / d;
        return (batch == 0 ? 1 : Math.Max(rows / batch, 1), d);
    }

    private static void RequireVector(Tensor t, int length, string name)
    {
        if (t.Length != length)
        {
            throw new ArgumentException($"{name} has shape {Tensor.FormatShape(t.Shape)}; expected {length} elements.", name);
        }
    }
}
