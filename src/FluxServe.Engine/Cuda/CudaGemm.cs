using System.Collections.Concurrent;
using FluxServe.Engine.Cuda.Native;

namespace FluxServe.Engine.Cuda;

/// <summary>One operand of a row-major matrix product.</summary>
/// <param name="Pointer">Device address of the first matrix.</param>
/// <param name="DType">Element type.</param>
/// <param name="LeadingDimension">Elements between consecutive rows as stored.</param>
/// <param name="Transposed">True when the operand is stored transposed (A as [K, M], B as [N, K]).</param>
/// <param name="BatchStride">Elements between consecutive matrices of a batch (0: the same matrix for every batch item).</param>
internal readonly record struct GemmOperand(nint Pointer, DType DType, long LeadingDimension, bool Transposed, long BatchStride);

/// <summary>
/// <c>C[M, N] = alpha · scaleA · scaleB · op(A)[M, K] · op(B)[K, N] (+ bias[N]) → activation</c>, row-major, optionally
/// batched.
/// </summary>
internal struct GemmRequest
{
    public int M;
    public int N;
    public int K;
    public int Batch;
    public GemmOperand A;
    public GemmOperand B;
    public nint C;
    public DType CType;
    public long Ldc;
    public long StrideC;
    public nint Bias;
    public Activation Epilogue;
    public float Alpha;
    public nint ScaleA;
    public nint ScaleB;
    public bool AllowTf32;
}

/// <summary>
/// Row-major matrix products through cuBLASLt (STYLE.md: fuse in the GEMM epilogue). cuBLASLt is column-major, so
/// <c>C = A·B</c> is computed as <c>Cᵀ = Bᵀ·Aᵀ</c>: our B is its first operand and our A its second, and a row-major
/// [R, C] matrix is a column-major [C, R] one with the same leading dimension. The bias then runs along the rows of
/// cuBLASLt's output, i.e. one value per output feature, which is what its BIAS epilogue adds.
/// </summary>
/// <remarks>
/// Descriptors, layouts and the heuristic's algorithm are built once per shape and kept (a FLUX step has a few dozen
/// distinct shapes); the pointers that change per call (bias, fp8 scales) are set on the cached descriptor under the
/// plan's lock just before the launch.
/// </remarks>
internal sealed unsafe class CudaGemm
{
    private readonly CudaDeviceRuntime _runtime;
    private readonly ConcurrentDictionary<PlanKey, Plan> _plans = new();

    public CudaGemm(CudaDeviceRuntime runtime) => _runtime = runtime;

    /// <summary>Plans built so far (each is one shape/type/epilogue combination).</summary>
    public int PlanCount => _plans.Count;

    /// <summary>Enqueues the product on the device's stream.</summary>
    public void Run(in GemmRequest request)
    {
        if (request.M == 0 || request.N == 0)
        {
            return;
        }

        _runtime.MakeCurrent();
        var key = new PlanKey(
            request.M,
            request.N,
            request.K,
            Math.Max(request.Batch, 1),
            request.A with { Pointer = Alignment(request.A.Pointer, request.A.LeadingDimension, request.A.BatchStride, request.A.DType) },
            request.B with { Pointer = Alignment(request.B.Pointer, request.B.LeadingDimension, request.B.BatchStride, request.B.DType) },
            request.CType,
            request.Ldc,
            request.StrideC,
            Alignment(request.C, request.Ldc, request.StrideC, request.CType),
            request.Bias != 0,
            request.Epilogue,
            request.ScaleA != 0 || request.ScaleB != 0,
            request.AllowTf32);
        var plan = _plans.GetOrAdd(key, k => new Plan(_runtime, k));
        plan.Run(_runtime, request);
    }

    // The alignment (a power of two, at most 256) every row of the operand has: cuBLASLt's default assumes 256.
    private static nint Alignment(nint pointer, long leadingDimension, long batchStride, DType dtype)
    {
        long size = dtype.SizeOf();
        long bits = pointer | (leadingDimension * size) | (batchStride * size) | 256;
        return (nint)(bits & -bits);
    }

    /// <summary>What a plan depends on; operand pointers are replaced by their alignments.</summary>
    private readonly record struct PlanKey(
        int M,
        int N,
        int K,
        int Batch,
        GemmOperand A,
        GemmOperand B,
        DType CType,
        long Ldc,
        long StrideC,
        nint CAlignment,
        bool HasBias,
        Activation Epilogue,
        bool HasScales,
        bool AllowTf32);

    private sealed class Plan
    {
        private readonly Lock _gate = new();
        private readonly nint _operation;
        private readonly nint _layoutA;
        private readonly nint _layoutB;
        private readonly nint _layoutD;
        private readonly CublasLtMatmulAlgo _algorithm;
        private readonly nuint _workspace;

        public Plan(CudaDeviceRuntime runtime, PlanKey key)
        {
            // cuBLASLt's "A" is our B and its "B" is our A (see the class remarks).
            bool fp32 = key.A.DType == DType.F32 || key.B.DType == DType.F32;
            int compute = fp32 && key.AllowTf32 ? CublasLt.Compute32FFastTf32 : CublasLt.Compute32F;
            CublasLt.Check(CublasLt.cublasLtMatmulDescCreate(out _operation, compute, CublasLt.DataF32), "cublasLtMatmulDescCreate");
            try
            {
                int opA = key.B.Transposed ? CublasLt.OpT : CublasLt.OpN;
                int opB = key.A.Transposed ? CublasLt.OpT : CublasLt.OpN;
                SetDesc(CublasLt.DescTransA, opA);
                SetDesc(CublasLt.DescTransB, opB);
                uint epilogue = (key.Epilogue, key.HasBias) switch
                {
                    (Activation.None, false) => CublasLt.EpilogueDefault,
                    (Activation.None, true) => CublasLt.EpilogueBias,
                    (Activation.GeluTanh, false) => CublasLt.EpilogueGelu,
                    (Activation.GeluTanh, true) => CublasLt.EpilogueGeluBias,
                    (Activation.Relu, false) => CublasLt.EpilogueRelu,
                    (Activation.Relu, true) => CublasLt.EpilogueReluBias,
                    _ => throw new NotSupportedException($"cuBLASLt has no {key.Epilogue} epilogue."),
                };
                SetDesc(CublasLt.DescEpilogue, epilogue);

                _layoutA = key.B.Transposed
                    ? Layout(key.B.DType, (ulong)key.K, (ulong)key.N, key.B.LeadingDimension, key.Batch, key.B.BatchStride)
                    : Layout(key.B.DType, (ulong)key.N, (ulong)key.K, key.B.LeadingDimension, key.Batch, key.B.BatchStride);
                _layoutB = key.A.Transposed
                    ? Layout(key.A.DType, (ulong)key.M, (ulong)key.K, key.A.LeadingDimension, key.Batch, key.A.BatchStride)
                    : Layout(key.A.DType, (ulong)key.K, (ulong)key.M, key.A.LeadingDimension, key.Batch, key.A.BatchStride);
                _layoutD = Layout(key.CType, (ulong)key.N, (ulong)key.M, key.Ldc, key.Batch, key.StrideC);

                CublasLt.Check(CublasLt.cublasLtMatmulPreferenceCreate(out nint preference), "cublasLtMatmulPreferenceCreate");
                try
                {
                    ulong workspace = CudaDeviceRuntime.GemmWorkspaceBytes;
                    SetPreference(preference, CublasLt.PreferenceMaxWorkspaceBytes, workspace);
                    SetPreference(preference, CublasLt.PreferenceMinAlignmentA, (uint)key.B.Pointer);
                    SetPreference(preference, CublasLt.PreferenceMinAlignmentB, (uint)key.A.Pointer);
                    SetPreference(preference, CublasLt.PreferenceMinAlignmentC, (uint)key.CAlignment);
                    SetPreference(preference, CublasLt.PreferenceMinAlignmentD, (uint)key.CAlignment);
                    if (key.HasBias || key.HasScales)
                    {
                        // The heuristic must know a bias/scale will be present; the real pointers are set per call.
                        nint placeholder = (nint)runtime.GemmWorkspace;
                        if (key.HasBias)
                        {
                            SetDesc(CublasLt.DescBiasPointer, placeholder);
                        }

                        if (key.HasScales)
                        {
                            SetDesc(CublasLt.DescAScalePointer, placeholder);
                            SetDesc(CublasLt.DescBScalePointer, placeholder);
                        }
                    }

                    CublasLtHeuristicResult result;
                    CublasLt.Check(
                        CublasLt.cublasLtMatmulAlgoGetHeuristic(runtime.CublasLtPointer, _operation, _layoutA, _layoutB, _layoutD, _layoutD, preference, 1, &result, out int found),
                        "cublasLtMatmulAlgoGetHeuristic");
                    if (found == 0 || result.State != CublasLt.StatusSuccess)
                    {
                        throw new CudaException(
                            $"cuBLASLt has no algorithm for {Describe(key)}",
                            found == 0 ? 15 : result.State,
                            "no heuristic result");
                    }

                    _algorithm = result.Algorithm;
                    _workspace = result.WorkspaceSize;
                }
                finally
                {
                    _ = CublasLt.cublasLtMatmulPreferenceDestroy(preference);
                }
            }
            catch
            {
                Release();
                throw;
            }
        }

        public void Run(CudaDeviceRuntime runtime, in GemmRequest request)
        {
            float alpha = request.Alpha == 0 ? 1f : request.Alpha;
            float beta = 0f;
            lock (_gate)
            {
                if (request.Bias != 0)
                {
                    SetDesc(CublasLt.DescBiasPointer, request.Bias);
                }

                if (request.ScaleA != 0 || request.ScaleB != 0)
                {
                    // Our B (the weight) is cuBLASLt's A.
                    SetDesc(CublasLt.DescAScalePointer, request.ScaleB);
                    SetDesc(CublasLt.DescBScalePointer, request.ScaleA);
                }

                CublasLtMatmulAlgo algorithm = _algorithm;
                CublasLt.Check(
                    CublasLt.cublasLtMatmul(
                        runtime.CublasLtPointer,
                        _operation,
                        &alpha,
                        request.B.Pointer,
                        _layoutA,
                        request.A.Pointer,
                        _layoutB,
                        &beta,
                        request.C,
                        _layoutD,
                        request.C,
                        _layoutD,
                        &algorithm,
                        (nint)runtime.GemmWorkspace,
                        _workspace,
                        runtime.Stream),
                    "cublasLtMatmul");
            }
        }

        private static string Describe(PlanKey key) =>
            $"[{key.M}x{key.K}]({key.A.DType}{(key.A.Transposed ? "ᵀ" : string.Empty)}) · [{key.K}x{key.N}]({key.B.DType}{(key.B.Transposed ? "ᵀ" : string.Empty)}) → {key.CType}, batch {key.Batch}, epilogue {key.Epilogue}{(key.HasBias ? "+bias" : string.Empty)}{(key.HasScales ? ", fp8 scales" : string.Empty)}";

        private static nint Layout(DType dtype, ulong rows, ulong cols, long leadingDimension, int batch, long batchStride)
        {
            CublasLt.Check(
                CublasLt.cublasLtMatrixLayoutCreate(out nint layout, CublasLt.DataType(dtype), rows, cols, leadingDimension),
                $"cublasLtMatrixLayoutCreate({dtype}, {rows}x{cols}, ld {leadingDimension})");
            if (batch > 1)
            {
                int count = batch;
                long stride = batchStride;
                CublasLt.Check(CublasLt.cublasLtMatrixLayoutSetAttribute(layout, CublasLt.LayoutBatchCount, &count, sizeof(int)), "cublasLtMatrixLayoutSetAttribute(batch count)");
                CublasLt.Check(CublasLt.cublasLtMatrixLayoutSetAttribute(layout, CublasLt.LayoutStridedBatchOffset, &stride, sizeof(long)), "cublasLtMatrixLayoutSetAttribute(batch stride)");
            }

            return layout;
        }

        private void SetDesc<T>(int attribute, T value)
            where T : unmanaged =>
            CublasLt.Check(CublasLt.cublasLtMatmulDescSetAttribute(_operation, attribute, &value, (nuint)sizeof(T)), $"cublasLtMatmulDescSetAttribute({attribute})");

        private static void SetPreference<T>(nint preference, int attribute, T value)
            where T : unmanaged =>
            CublasLt.Check(CublasLt.cublasLtMatmulPreferenceSetAttribute(preference, attribute, &value, (nuint)sizeof(T)), $"cublasLtMatmulPreferenceSetAttribute({attribute})");

        private void Release()
        {
            if (_layoutA != 0)
            {
                _ = CublasLt.cublasLtMatrixLayoutDestroy(_layoutA);
            }

            if (_layoutB != 0)
            {
                _ = CublasLt.cublasLtMatrixLayoutDestroy(_layoutB);
            }

            if (_layoutD != 0)
            {
                _ = CublasLt.cublasLtMatrixLayoutDestroy(_layoutD);
            }

            if (_operation != 0)
            {
                _ = CublasLt.cublasLtMatmulDescDestroy(_operation);
            }
        }
    }
}
