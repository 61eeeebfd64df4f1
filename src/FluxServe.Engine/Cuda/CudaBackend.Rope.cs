namespace FluxServe.Engine.Cuda;

public sealed partial class CudaBackend
{
    /// <inheritdoc />
    public Tensor Rope(Tensor x, Tensor pe)
    {
        RequireFloat(x, nameof(x));
        RequireFloat(pe, nameof(pe));
        if (x.Rank != 4 || x.Dim(3) % 2 != 0)
        {
            throw new ArgumentException($"RoPE needs x [B, H, L, D] with D even, got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }

        int batch = x.Dim(0), heads = x.Dim(1), length = x.Dim(2), d = x.Dim(3);
        int peBatch = RopeTableBatch(pe, batch, length, d);
        using var temporaries = new TemporaryTensors();
        var cx = AsActivation(x, temporaries);
        var table = As(pe, DType.F32, temporaries);
        var y = NewTensor(x.Shape, ActivationDType);
        var args = new KernelArguments(stackalloc byte[64], stackalloc nint[8]);
        args.Add(cx.Pointer);
        args.Add(table.Pointer);
        args.Add(y.Pointer);
        args.Add(batch);
        args.Add(heads);
        args.Add(length);
        args.Add(d);
        args.Add(peBatch);
        LaunchElementwise(CudaKernels.Rope, CudaKernels.RopeKernel(ActivationDType), y.Length / 2, ref args);
        return y;
    }

    /// <summary>
    /// FLUX's attention prologue in one pass (spec/flux-transformer.md §7.1–7.3): qkv [B, L, 3·H·D] (feature =
    /// s·H·D + h·D + d) split into heads, q and k RMS-normalised with <paramref name="queryScale"/> and
    /// <paramref name="keyScale"/> [D], rotated by <paramref name="pe"/>; returns q, k, v as [B, H, L, D]. The same as
    /// a permute, two <see cref="RmsNorm"/>s and two <see cref="Rope"/>s, with the normalised vector rounded to the
    /// activation dtype before the rotation exactly as that composition does. D is even and at most 256.
    /// </summary>
    public (Tensor Q, Tensor K, Tensor V) SplitQkvNormRope(Tensor qkv, int heads, Tensor queryScale, Tensor keyScale, Tensor pe, float eps)
    {
        RequireFloat(qkv, nameof(qkv));
        RequireFloat(queryScale, nameof(queryScale));
        RequireFloat(keyScale, nameof(keyScale));
        RequireFloat(pe, nameof(pe));
        if (qkv.Rank != 3 || heads <= 0 || qkv.Dim(2) % (3 * heads) != 0)
        {
            throw new ArgumentException($"qkv must be [B, L, 3·{heads}·D], got {Tensor.FormatShape(qkv.Shape)}.", nameof(qkv));
        }

        int batch = qkv.Dim(0), length = qkv.Dim(1), d = qkv.Dim(2) / (3 * heads);
        if (d % 2 != 0 || d > 256)
        {
            throw new ArgumentException($"The fused prologue needs an even head dimension of at most 256, got {d}.", nameof(qkv));
        }

        RequireVector(queryScale, d, nameof(queryScale));
        RequireVector(keyScale, d, nameof(keyScale));
        int peBatch = RopeTableBatch(pe, batch, length, d);
        using var temporaries = new TemporaryTensors();
        var source = AsActivation(qkv, temporaries);
        var table = As(pe, DType.F32, temporaries);
        int[] shape = [batch, heads, length, d];
        var q = NewTensor(shape, ActivationDType);
        var k = NewTensor(shape, ActivationDType);
        var v = NewTensor(shape, ActivationDType);
        var args = new KernelArguments(stackalloc byte[128], stackalloc nint[16]);
        args.Add(source.Pointer);
        args.Add(q.Pointer);
        args.Add(k.Pointer);
        args.Add(v.Pointer);
        args.Add(ParameterAs(queryScale, DType.F32, temporaries));
        args.Add(ParameterAs(keyScale, DType.F32, temporaries));
        args.Add(table.Pointer);
        args.Add(batch);
        args.Add(length);
        args.Add(heads);
        args.Add(d);
        args.Add(peBatch);
        args.Add(eps);
        long rows = (long)batch * length * heads;
        if (rows > 0)
        {
            Launch(CudaKernels.Rope, CudaKernels.QkvNormRope(ActivationDType), GridFor(rows, RowsPerBlock), 1, 1, BlockSize, 0, ref args);
        }

        return (q, k, v);
    }

    // pe [Bp, 1, L, D/2, 2, 2] with Bp = 1 or B; returns Bp.
    private static int RopeTableBatch(Tensor pe, int batch, int length, int d)
    {
        bool ok = pe.Rank == 6 && (pe.Dim(0) == 1 || pe.Dim(0) == batch) && pe.Dim(1) == 1 && pe.Dim(2) == length
            && pe.Dim(3) == d / 2 && pe.Dim(4) == 2 && pe.Dim(5) == 2;
        if (!ok)
        {
            throw new ArgumentException($"pe must be [1 or {batch}, 1, {length}, {d / 2}, 2, 2], got {Tensor.FormatShape(pe.Shape)}.", nameof(pe));
        }

        return pe.Dim(0);
    }
}
