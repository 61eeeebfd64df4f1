namespace FluxServe.Engine.Cuda;

public sealed partial class CudaBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// Lowered to matrix products: out[b] (O × P) = W (O × C·kh·kw) · col (C·kh·kw × P), the im2col matrix built in
    /// chunks of output pixels bounded by <see cref="CudaBackendOptions.ConvolutionScratchBytes"/>; a 1×1 stride-1
    /// convolution multiplies the input directly. The bias is added by a separate pass (it runs along cuBLASLt's
    /// columns here, where its epilogue cannot add it).
    /// </remarks>
    public Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int stride, int padding)
    {
        RequireFloat(x, nameof(x));
        RequireFloat(weight, nameof(weight));
        if (x.Rank != 4 || weight.Rank != 4 || weight.Dim(1) != x.Dim(1) || stride <= 0 || padding < 0)
        {
            throw new ArgumentException(
                $"Conv2d needs x [B, C, H, W] and weight [O, C, kh, kw] with stride ≥ 1 and padding ≥ 0; got {Tensor.FormatShape(x.Shape)}, {Tensor.FormatShape(weight.Shape)}, stride {stride}, padding {padding}.",
                nameof(weight));
        }

        int batch = x.Dim(0), channels = x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        int outChannels = weight.Dim(0), kh = weight.Dim(2), kw = weight.Dim(3);
        int outH = ((h + (2 * padding) - kh) / stride) + 1, outW = ((w + (2 * padding) - kw) / stride) + 1;
        if (outH <= 0 || outW <= 0)
        {
            throw new ArgumentException($"A {kh}x{kw} kernel does not fit a {h}x{w} input with padding {padding}.", nameof(weight));
        }

        if (bias is not null)
        {
            RequireFloat(bias, nameof(bias));
            RequireVector(bias, outChannels, nameof(bias));
        }

        var dtype = ActivationDType;
        int size = dtype.SizeOf();
        var y = NewTensor([batch, outChannels, outH, outW], dtype);
        if (y.Length == 0)
        {
            return y;
        }

        using var temporaries = new TemporaryTensors();
        var cx = AsActivation(x, temporaries);
        nint wp = ParameterAs(weight, dtype, temporaries);
        long pixels = (long)outH * outW;
        long reduction = (long)channels * kh * kw;
        if (pixels > int.MaxValue || reduction > int.MaxValue)
        {
            throw new NotSupportedException("The convolution is too large for 32-bit matrix dimensions.");
        }

        bool pointwise = kh == 1 && kw == 1 && stride == 1 && padding == 0;
        int chunk = pointwise ? 0 : (int)Math.Clamp(Options.ConvolutionScratchBytes / (reduction * size), 1, pixels);
        var columns = pointwise ? null : temporaries.Add(NewTensor([(int)reduction, chunk], dtype));
        for (int b = 0; b < batch; b++)
        {
            nint input = cx.Pointer + (nint)((long)b * channels * h * w * size);
            nint output = y.Pointer + (nint)((long)b * outChannels * pixels * size);
            if (pointwise)
            {
                Gemm(wp, input, output, outChannels, (int)pixels, channels, (int)pixels, (int)pixels);
                continue;
            }

            for (long p0 = 0; p0 < pixels; p0 += chunk)
            {
                int count = (int)Math.Min(chunk, pixels - p0);
                Im2Col(input, columns!.Pointer, channels, h, w, kh, kw, stride, padding, outW, p0, count, reduction);
                Gemm(wp, columns.Pointer, output + (nint)(p0 * size), outChannels, count, (int)reduction, count, (int)pixels);
            }
        }

        if (bias is not null)
        {
            var args = new KernelArguments(stackalloc byte[64], stackalloc nint[8]);
            args.Add(y.Pointer);
            args.Add(ParameterAs(bias, dtype, temporaries));
            args.Add(y.Length);
            args.Add(pixels);
            args.Add(outChannels);
            LaunchElementwise(CudaKernels.Elementwise, CudaKernels.AddChannelBias(dtype), y.Length, ref args);
        }

        return y;
    }

    /// <inheritdoc />
    public Tensor UpsampleNearest(Tensor x, int factor)
    {
        RequireOnDevice(x, nameof(x));
        if (x.Rank != 4 || factor <= 0)
        {
            throw new ArgumentException($"UpsampleNearest needs [B, C, H, W] and a positive factor; got {Tensor.FormatShape(x.Shape)}, {factor}.", nameof(x));
        }

        int h = x.Dim(2), w = x.Dim(3);
        var y = NewTensor([x.Dim(0), x.Dim(1), h * factor, w * factor], x.DType);
        if (y.Length == 0)
        {
            return y;
        }

        int unit = x.DType.SizeOf();
        var args = new KernelArguments(stackalloc byte[64], stackalloc nint[8]);
        args.Add(x.Pointer);
        args.Add(y.Pointer);
        args.Add((long)x.Dim(0) * x.Dim(1));
        args.Add(h);
        args.Add(w);
        args.Add(factor);
        LaunchElementwise(CudaKernels.Layout, CudaKernels.UpsampleNearest(unit), y.Length, ref args);
        return y;
    }

    private void Im2Col(nint input, nint columns, int channels, int h, int w, int kh, int kw, int stride, int padding, int outW, long p0, int count, long reduction)
    {
        var args = new KernelArguments(stackalloc byte[128], stackalloc nint[16]);
        args.Add(input);
        args.Add(columns);
        args.Add(channels);
        args.Add(h);
        args.Add(w);
        args.Add(kh);
        args.Add(kw);
        args.Add(stride);
        args.Add(padding);
        args.Add(outW);
        args.Add(p0);
        args.Add((long)count);
        LaunchElementwise(CudaKernels.Conv, CudaKernels.Im2Col(ActivationDType), reduction * count, ref args);
    }

    // Row-major C[M, N] (ld ldc) = A[M, K] (ld K) · B[K, N] (ld ldb), one matrix, activation dtype.
    private void Gemm(nint a, nint b, nint c, int m, int n, int k, int ldb, int ldc) =>
        _runtime.Gemm.Run(new GemmRequest
        {
            M = m,
            N = n,
            K = k,
            Batch = 1,
            A = new GemmOperand(a, ActivationDType, k, false, 0),
            B = new GemmOperand(b, ActivationDType, ldb, false, 0),
            C = c,
            CType = ActivationDType,
            Ldc = ldc,
            AllowTf32 = Options.AllowTf32,
        });
}
