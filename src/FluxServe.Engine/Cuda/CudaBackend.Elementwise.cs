namespace FluxServe.Engine.Cuda;

public sealed partial class CudaBackend
{
    /// <inheritdoc />
    public Tensor Binary(Tensor a, Tensor b, BinaryOp op)
    {
        RequireFloat(a, nameof(a));
        RequireFloat(b, nameof(b));
        int[] shape = KernelShapes.BroadcastShapeOf(a.Shape, b.Shape)
            ?? throw new ArgumentException($"Shapes {Tensor.FormatShape(a.Shape)} and {Tensor.FormatShape(b.Shape)} do not broadcast.", nameof(b));
        using var temporaries = new TemporaryTensors();
        var ca = AsActivation(a, temporaries);
        var cb = AsActivation(b, temporaries);
        var dtype = ActivationDType;
        var y = NewTensor(shape, dtype);
        long n = y.Length;
        if (n == 0)
        {
            return y;
        }

        var args = new KernelArguments(stackalloc byte[256], stackalloc nint[8]);
        args.Add(ca.Pointer);
        args.Add(cb.Pointer);
        args.Add(y.Pointer);
        args.Add(n);
        args.Add((int)op);
        if (a.Length == n && b.Length == n)
        {
            LaunchElementwise(CudaKernels.Elementwise, CudaKernels.BinarySame(dtype), n, ref args);
            return y;
        }

        var plan = KernelShapes.Broadcast(shape, a.Shape, b.Shape);
        if (RowBroadcast(plan, out long inner, out long group))
        {
            args.Add(inner);
            args.Add(group);
            LaunchElementwise(CudaKernels.Elementwise, CudaKernels.BinaryRows(dtype), n, ref args);
            return y;
        }

        args.Add(plan);
        LaunchElementwise(CudaKernels.Elementwise, CudaKernels.Binary(dtype), n, ref args);
        return y;
    }

    /// <inheritdoc />
    public Tensor Affine(Tensor x, float multiplier, float addend)
    {
        RequireFloat(x, nameof(x));
        using var temporaries = new TemporaryTensors();
        var cx = AsActivation(x, temporaries);
        var y = NewTensor(x.Shape, ActivationDType);
        var args = new KernelArguments(stackalloc byte[64], stackalloc nint[8]);
        args.Add(cx.Pointer);
        args.Add(y.Pointer);
        args.Add(y.Length);
        args.Add(multiplier);
        args.Add(addend);
        LaunchElementwise(CudaKernels.Elementwise, CudaKernels.Affine(ActivationDType), y.Length, ref args);
        return y;
    }

    /// <inheritdoc />
    public Tensor Activate(Tensor x, Activation activation)
    {
        RequireFloat(x, nameof(x));
        using var temporaries = new TemporaryTensors();
        var cx = AsActivation(x, temporaries);
        var y = NewTensor(x.Shape, ActivationDType);
        ActivateInto(cx.Pointer, y.Pointer, y.Length, activation);
        return y;
    }

    /// <inheritdoc />
    public Tensor Softmax(Tensor x)
    {
        RequireFloat(x, nameof(x));
        if (x.Rank == 0)
        {
            throw new ArgumentException("Softmax needs at least one dimension.", nameof(x));
        }

        using var temporaries = new TemporaryTensors();
        var cx = AsActivation(x, temporaries);
        var y = NewTensor(x.Shape, ActivationDType);
        int cols = x.Dim(-1);
        long rows = cols == 0 ? 0 : x.Length / cols;
        if (rows == 0)
        {
            return y;
        }

        var args = new KernelArguments(stackalloc byte[64], stackalloc nint[8]);
        args.Add(cx.Pointer);
        args.Add(y.Pointer);
        args.Add(rows);
        args.Add(cols);
        Launch(CudaKernels.Elementwise, CudaKernels.Softmax(ActivationDType), (uint)Math.Min(rows, 65535 * 16), 1, 1, BlockSize, 0, ref args);
        return y;
    }

    /// <summary>y = activation(x) over <paramref name="count"/> activation-dtype elements (in place when the pointers are equal).</summary>
    internal void ActivateInto(nint x, nint y, long count, Activation activation)
    {
        var args = new KernelArguments(stackalloc byte[64], stackalloc nint[8]);
        args.Add(x);
        args.Add(y);
        args.Add(count);
        args.Add((int)activation);
        LaunchElementwise(CudaKernels.Elementwise, CudaKernels.Activate(ActivationDType), count, ref args);
    }

    // b repeats one [inner] row for every row of a (rank 2: [rows, inner] with b [inner]), or row r of a reads row
    // r / group of b (rank 3: [outer, group, inner] with b [outer, 1, inner], the [B, 1, D] modulation vectors).
    private static bool RowBroadcast(in BroadcastShape plan, out long inner, out long group)
    {
        if (plan.Rank == 2 && plan.StrideA[1] == 1 && plan.StrideA[0] == plan.Size[1] && plan.StrideB[1] == 1 && plan.StrideB[0] == 0)
        {
            inner = plan.Size[1];
            group = plan.Size[0];
            return true;
        }

        if (plan.Rank == 3 && plan.StrideA[2] == 1 && plan.StrideA[1] == plan.Size[2] && plan.StrideA[0] == plan.Size[1] * plan.Size[2]
            && plan.StrideB[2] == 1 && plan.StrideB[1] == 0 && plan.StrideB[0] == plan.Size[2])
        {
            inner = plan.Size[2];
            group = plan.Size[1];
            return true;
        }

        inner = 0;
        group = 0;
        return false;
    }
}
