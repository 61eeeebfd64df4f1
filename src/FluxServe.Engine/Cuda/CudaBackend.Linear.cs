using FluxServe.Engine.Cuda.Native;

namespace FluxServe.Engine.Cuda;

public sealed partial class CudaBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// cuBLASLt with the bias (and GELU-tanh or ReLU) fused in its epilogue. bf16/fp16/fp32 weights in the activation
    /// dtype are read as stored; other float weights are widened to it first (fp8 e4m3 runs on fp8 tensor cores instead
    /// when <see cref="CudaBackendOptions.Fp8TensorCores"/> is set, bf16/fp16 activations, sm_89+).
    /// </remarks>
    public Tensor Linear(Tensor x, Tensor weight, Tensor? bias, Activation activation = Activation.None) =>
        LinearScaled(x, weight, bias, activation, 1f);

    /// <summary>
    /// <c>act(x · (s·W)ᵀ + b)</c>: <see cref="Linear"/> with a per-tensor weight scale (fp8 "scaled" checkpoints store
    /// W/s), applied inside the product (cuBLASLt's alpha, or the fp8 scale pointer) so the bias and activation stay
    /// fused.
    /// </summary>
    public Tensor LinearScaled(Tensor x, Tensor weight, Tensor? bias, Activation activation, float weightScale)
    {
        RequireFloat(x, nameof(x));
        RequireFloat(weight, nameof(weight));
        if (weight.Rank != 2 || x.Rank == 0 || x.Dim(-1) != weight.Dim(1))
        {
            throw new ArgumentException($"Linear needs x [..., K] and weight [N, K]; got x {Tensor.FormatShape(x.Shape)} and weight {Tensor.FormatShape(weight.Shape)}.", nameof(weight));
        }

        int n = weight.Dim(0), k = weight.Dim(1);
        if (bias is not null)
        {
            RequireFloat(bias, nameof(bias));
            RequireVector(bias, n, nameof(bias));
        }

        long rows = k == 0 ? 0 : x.Length / k;
        int[] shape = x.Shape.ToArray();
        shape[^1] = n;
        var dtype = ActivationDType;
        var y = NewTensor(shape, dtype);
        if (y.Length == 0)
        {
            return y;
        }

        if (rows > int.MaxValue)
        {
            throw new NotSupportedException($"Linear over {rows} rows exceeds cuBLASLt's 32-bit dimensions.");
        }

        using var temporaries = new TemporaryTensors();
        var cx = AsActivation(x, temporaries);
        bool fuseActivation = activation == Activation.None || activation == Activation.Relu
            || (activation == Activation.GeluTanh && Options.FuseGeluEpilogue);
        var request = new GemmRequest
        {
            M = (int)rows,
            N = n,
            K = k,
            Batch = 1,
            A = new GemmOperand(cx.Pointer, dtype, k, false, 0),
            C = y.Pointer,
            CType = dtype,
            Ldc = n,
            Bias = ParameterAs(bias, dtype, temporaries),
            Epilogue = fuseActivation ? activation : Activation.None,
            Alpha = weightScale,
            AllowTf32 = Options.AllowTf32,
        };

        if (UseFp8TensorCores(weight, n, k))
        {
            // Per-tensor dynamic scaling: s_x = max|x| / 448, x_q = e4m3(x / s_x); D = s_x · s_w · (x_q · W_qᵀ) + b.
            var amax = temporaries.Add(Allocate([1], DType.F32, zero: true));
            var quantized = temporaries.Add(NewTensor(x.Shape, DType.F8E4M3FN));
            var activationScale = temporaries.Add(NewTensor([1], DType.F32));
            var weightScaleTensor = temporaries.Add(NewTensor([1], DType.F32));
            FillValue(weightScaleTensor, weightScale);
            var amaxArgs = new KernelArguments(stackalloc byte[64], stackalloc nint[4]);
            amaxArgs.Add(cx.Pointer);
            amaxArgs.Add(cx.Length);
            amaxArgs.Add(amax.Pointer);
            LaunchElementwise(CudaKernels.Convert, CudaKernels.Amax(dtype), cx.Length, ref amaxArgs);
            var quantizeArgs = new KernelArguments(stackalloc byte[64], stackalloc nint[8]);
            quantizeArgs.Add(cx.Pointer);
            quantizeArgs.Add(quantized.Pointer);
            quantizeArgs.Add(cx.Length);
            quantizeArgs.Add(amax.Pointer);
            quantizeArgs.Add(activationScale.Pointer);
            LaunchElementwise(CudaKernels.Convert, CudaKernels.QuantizeE4M3(dtype), cx.Length, ref quantizeArgs);
            request.A = new GemmOperand(quantized.Pointer, DType.F8E4M3FN, k, false, 0);
            request.B = new GemmOperand(weight.Pointer, DType.F8E4M3FN, k, true, 0);
            request.ScaleA = activationScale.Pointer;
            request.ScaleB = weightScaleTensor.Pointer;
            request.Alpha = 1f;
        }
        else
        {
            nint w = weight.DType == dtype ? weight.Pointer : ParameterAs(weight, dtype, temporaries);
            request.B = new GemmOperand(w, dtype, k, true, 0);
        }

        _runtime.Gemm.Run(request);
        if (!fuseActivation && activation != Activation.None)
        {
            ActivateInto(y.Pointer, y.Pointer, y.Length, activation);
        }

        return y;
    }

    /// <inheritdoc />
    public Tensor MatMul(Tensor a, Tensor b, bool transposeB = false)
    {
        RequireFloat(a, nameof(a));
        RequireFloat(b, nameof(b));
        if (a.Rank < 2 || b.Rank < 2)
        {
            throw new ArgumentException($"MatMul needs matrices, got {Tensor.FormatShape(a.Shape)} and {Tensor.FormatShape(b.Shape)}.", nameof(b));
        }

        int m = a.Dim(-2), k = a.Dim(-1);
        int bk = transposeB ? b.Dim(-1) : b.Dim(-2);
        int n = transposeB ? b.Dim(-2) : b.Dim(-1);
        bool sharedB = b.Rank == 2 && a.Rank > 2;
        bool leadingMatch = a.Rank == b.Rank;
        for (int i = 0; leadingMatch && i < a.Rank - 2; i++)
        {
            leadingMatch = a.Dim(i) == b.Dim(i);
        }

        if (bk != k || !(leadingMatch || sharedB))
        {
            throw new ArgumentException(
                $"MatMul{(transposeB ? " (b transposed)" : string.Empty)} cannot multiply {Tensor.FormatShape(a.Shape)} by {Tensor.FormatShape(b.Shape)}.",
                nameof(b));
        }

        int[] shape = a.Shape.ToArray();
        shape[^1] = n;
        var y = NewTensor(shape, ActivationDType);
        if (y.Length == 0)
        {
            return y;
        }

        using var temporaries = new TemporaryTensors();
        var ca = AsActivation(a, temporaries);
        var cb = AsActivation(b, temporaries);
        long batch = (long)m * k == 0 ? 0 : a.Length / ((long)m * k);
        RunMatMul(ca.Pointer, cb.Pointer, y.Pointer, ActivationDType, ActivationDType, (int)batch, m, n, k, transposeB, sharedB ? 0 : (long)k * n);
        return y;
    }

    /// <summary>Batched row-major product on activation-dtype operands: C[i] = A[i] · B[i] (or B[i]ᵀ).</summary>
    internal void RunMatMul(nint a, nint b, nint c, DType operandType, DType outputType, int batch, int m, int n, int k, bool transposeB, long strideB)
    {
        var request = new GemmRequest
        {
            M = m,
            N = n,
            K = k,
            Batch = batch,
            A = new GemmOperand(a, operandType, k, false, (long)m * k),
            B = new GemmOperand(b, operandType, transposeB ? k : n, transposeB, strideB),
            C = c,
            CType = outputType,
            Ldc = n,
            StrideC = (long)m * n,
            AllowTf32 = Options.AllowTf32,
        };
        _runtime.Gemm.Run(request);
    }

    private bool UseFp8TensorCores(Tensor weight, int n, int k) =>
        Options.Fp8TensorCores
        && weight.DType == DType.F8E4M3FN
        && ActivationDType != DType.F32
        && Info.ComputeCapability >= 89
        && n % 16 == 0
        && k % 16 == 0;
}
