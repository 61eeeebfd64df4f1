namespace FluxServe.Engine.Cuda;

public sealed partial class CudaBackend
{
    private const int FlashRowsPerBlock = 64;   // FA_BR in attention.cu
    private const int FlashKeysPerTile = 64;    // FA_BC

    /// <inheritdoc />
    /// <remarks>
    /// bf16 with head dimension 64 or 128 on sm_80+ runs the flash-attention kernel (online softmax, no L×L matrix).
    /// Everything else (float32 mode, other head dimensions such as the autoencoder's 512) runs as two cuBLASLt
    /// products around a masked softmax, in chunks of queries sized by
    /// <see cref="CudaBackendOptions.AttentionScratchBytes"/>. The bias is read as float32 in both.
    /// </remarks>
    public Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor? bias, bool causal, float scale)
    {
        RequireFloat(q, nameof(q));
        RequireFloat(k, nameof(k));
        RequireFloat(v, nameof(v));
        if (q.Rank != 4 || k.Rank != 4 || v.Rank != 4 || k.Dim(0) != q.Dim(0) || k.Dim(1) != q.Dim(1) || k.Dim(3) != q.Dim(3)
            || v.Dim(0) != q.Dim(0) || v.Dim(1) != q.Dim(1) || v.Dim(2) != k.Dim(2) || v.Dim(3) != q.Dim(3))
        {
            throw new ArgumentException(
                $"Attention needs q [B, H, Lq, D] and k, v [B, H, Lk, D]; got {Tensor.FormatShape(q.Shape)}, {Tensor.FormatShape(k.Shape)}, {Tensor.FormatShape(v.Shape)}.",
                nameof(q));
        }

        int batch = q.Dim(0), heads = q.Dim(1), lq = q.Dim(2), lk = k.Dim(2), d = q.Dim(3);
        var o = NewTensor(q.Shape, ActivationDType);
        if (o.Length == 0)
        {
            return o;
        }

        using var temporaries = new TemporaryTensors();
        var cq = AsActivation(q, temporaries);
        var ck = AsActivation(k, temporaries);
        var cv = AsActivation(v, temporaries);
        Span<long> biasStrides = stackalloc long[4];
        nint biasPointer = 0;
        if (bias is not null)
        {
            RequireFloat(bias, nameof(bias));
            BiasStrides(bias, [batch, heads, lq, lk], biasStrides);
            biasPointer = As(bias, DType.F32, temporaries).Pointer;
        }

        if (UseFlashAttention(d, cq, ck, cv))
        {
            var args = new KernelArguments(stackalloc byte[128], stackalloc nint[16]);
            args.Add(cq.Pointer);
            args.Add(ck.Pointer);
            args.Add(cv.Pointer);
            args.Add(o.Pointer);
            args.Add(biasPointer);
            args.Add(biasStrides[0]);
            args.Add(biasStrides[1]);
            args.Add(biasStrides[2]);
            args.Add(biasStrides[3]);
            args.Add(heads);
            args.Add(lq);
            args.Add(lk);
            args.Add(scale);
            args.Add(causal ? 1 : 0);
            uint shared = (uint)(2 * FlashKeysPerTile * (d + 8) * sizeof(ushort));
            Launch(CudaKernels.Attention, CudaKernels.FlashAttention(d), (uint)((lq + FlashRowsPerBlock - 1) / FlashRowsPerBlock), (uint)(batch * heads), 1, 128, shared, ref args);
            return o;
        }

        AttentionByProducts(cq, ck, cv, o, biasPointer, biasStrides, causal, scale, temporaries);
        return o;
    }

    private bool UseFlashAttention(int d, Tensor q, Tensor k, Tensor v) =>
        Options.FlashAttention
        && ActivationDType == DType.BF16
        && Info.ComputeCapability >= 80
        && (d == 64 || d == 128)
        && (q.Pointer | k.Pointer | v.Pointer) % 16 == 0
        && (long)q.Dim(0) * q.Dim(1) <= 65535;

    // S = Q·Kᵀ (float32) → masked softmax → P (activation dtype) → O = P·V, a chunk of queries at a time.
    private void AttentionByProducts(Tensor q, Tensor k, Tensor v, Tensor o, nint bias, ReadOnlySpan<long> biasStrides, bool causal, float scale, TemporaryTensors temporaries)
    {
        int batch = q.Dim(0), heads = q.Dim(1), lq = q.Dim(2), lk = k.Dim(2), d = q.Dim(3);
        var dtype = ActivationDType;
        int size = dtype.SizeOf();
        long groups = (long)batch * heads;
        if (groups > int.MaxValue)
        {
            throw new NotSupportedException("Too many attention heads for one batched product.");
        }

        long perQuery = groups * lk * (sizeof(float) + size);
        long chunk = Math.Clamp(Options.AttentionScratchBytes / Math.Max(perQuery, 1), 1, lq);
        if (chunk < lq && chunk >= 16)
        {
            chunk -= chunk % 16;
        }

        int n = (int)chunk;
        var scores = temporaries.Add(NewTensor([(int)groups, n, lk], DType.F32));
        var probabilities = temporaries.Add(NewTensor([(int)groups, n, lk], dtype));
        for (int q0 = 0; q0 < lq; q0 += n)
        {
            int rows = Math.Min(n, lq - q0);
            _runtime.Gemm.Run(new GemmRequest
            {
                M = rows,
                N = lk,
                K = d,
                Batch = (int)groups,
                A = new GemmOperand(q.Pointer + ((nint)q0 * d * size), dtype, d, false, (long)lq * d),
                B = new GemmOperand(k.Pointer, dtype, d, true, (long)lk * d),
                C = scores.Pointer,
                CType = DType.F32,
                Ldc = lk,
                StrideC = (long)rows * lk,
                AllowTf32 = Options.AllowTf32,
            });

            MaskedSoftmax(scores.Pointer, probabilities.Pointer, groups, rows, q0, lk, heads, scale, bias, biasStrides, causal);

            _runtime.Gemm.Run(new GemmRequest
            {
                M = rows,
                N = d,
                K = lk,
                Batch = (int)groups,
                A = new GemmOperand(probabilities.Pointer, dtype, lk, false, (long)rows * lk),
                B = new GemmOperand(v.Pointer, dtype, d, false, (long)lk * d),
                C = o.Pointer + ((nint)q0 * d * size),
                CType = dtype,
                Ldc = d,
                StrideC = (long)lq * d,
                AllowTf32 = Options.AllowTf32,
            });
        }
    }

    private void MaskedSoftmax(nint scores, nint probabilities, long groups, int rows, int q0, int lk, int heads, float scale, nint bias, ReadOnlySpan<long> biasStrides, bool causal)
    {
        var args = new KernelArguments(stackalloc byte[128], stackalloc nint[16]);
        args.Add(scores);
        args.Add(probabilities);
        args.Add(groups * rows);
        args.Add(rows);
        args.Add(q0);
        args.Add(lk);
        args.Add(heads);
        args.Add(scale);
        args.Add(bias);
        args.Add(biasStrides[0]);
        args.Add(biasStrides[1]);
        args.Add(biasStrides[2]);
        args.Add(biasStrides[3]);
        args.Add(causal ? 1 : 0);
        Launch(CudaKernels.Elementwise, CudaKernels.AttentionSoftmax(ActivationDType), (uint)Math.Min(groups * rows, 1L << 20), 1, 1, BlockSize, 0, ref args);
    }

    // Element strides of a bias broadcastable to [B, H, Lq, Lk] (0 along broadcast dimensions).
    private static void BiasStrides(Tensor bias, ReadOnlySpan<int> target, Span<long> strides)
    {
        if (bias.Rank > 4)
        {
            throw new ArgumentException($"The attention bias {Tensor.FormatShape(bias.Shape)} has more than 4 dimensions.", nameof(bias));
        }

        int offset = 4 - bias.Rank;
        long running = 1;
        for (int d = 3; d >= 0; d--)
        {
            int size = d < offset ? 1 : bias.Dim(d - offset);
            if (size != 1 && size != target[d])
            {
                throw new ArgumentException(
                    $"The attention bias {Tensor.FormatShape(bias.Shape)} does not broadcast to {Tensor.FormatShape(target)}.",
                    nameof(bias));
            }

            strides[d] = size == 1 ? 0 : running;
            running *= size;
        }
    }
}
