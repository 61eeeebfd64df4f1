namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>
/// The CPU engine's float32 matrix multiplication (BLAS <c>sgemm</c> with a fused epilogue), multi-threaded over the
/// machine's cores. Everything that multiplies matrices on the CPU goes through here: Linear and MatMul, attention's
/// <c>q·kᵀ</c> and <c>p·v</c>, convolution after im2col.
/// </summary>
/// <remarks>
/// <para>Computes <c>C[m, n] = act(alpha · A·op(B) + (accumulate ? C : 0) + bias)</c> where A is float32 row-major
/// [m, k] with row stride <c>lda</c>; B is [k, n] (<see cref="GemmBLayout.KByN"/>, <c>op(B) = B</c>) or [n, k]
/// (<see cref="GemmBLayout.NByK"/>, <c>op(B) = Bᵀ</c>, PyTorch's Linear weight) with row stride <c>ldb</c>, stored as
/// F32, BF16, F16, F8E4M3FN or F8E5M2 and widened to float32 inside the packing step (no widened copy of B is ever
/// made); C is float32 row-major [m, n] with row stride <c>ldc</c>; <c>bias</c> is [n] or null; <c>act</c> is applied
/// with <see cref="Kernels.ActivationKernels"/>. Strides are in elements of each operand's own type.</para>
/// <para>The algorithm is Goto/BLIS (see <see cref="GemmJob"/>): packed panels of A and B, a register-blocked
/// micro-kernel (14×32 on AVX-512, 6×16 on AVX2/FMA, 6×8 with 128-bit vectors elsewhere), accumulation in float32
/// with FMA. With at most four rows of A and B as [n, k] (a Linear on one token) it takes dot products straight from
/// B's rows instead (<see cref="SkinnyGemmJob"/>). Results do not depend on the number of threads: every element of
/// C is computed by one thread in the same order. C must not overlap A or B. Small problems run on the calling thread; larger ones on a team of one thread per
/// core, the caller included; a second concurrent caller runs alone rather than wait.</para>
/// <para>Put a narrow-dtype operand (a bf16/fp8 weight) in B: only B is widened on the fly; A is always float32.</para>
/// </remarks>
/// <example>
/// A Linear (y = x·Wᵀ + b, W [n, k] in bf16), attention scores for every head at once (q·kᵀ·scale over
/// [heads, L, D]), and a convolution after im2col (weights [O, C·kh·kw] times patches [C·kh·kw, pixels]):
/// <code>
/// Sgemm.Multiply(tokens, n, k, x, k, w, k, DType.BF16, GemmBLayout.NByK, y, n, bias, Activation.GeluTanh);
/// Sgemm.MultiplyBatched(heads, L, L, D, q, D, (long)L * D, kt, D, (long)L * D, DType.F32, GemmBLayout.NByK,
///     scores, L, (long)L * L, alpha: 1 / MathF.Sqrt(D));
/// Sgemm.Multiply(outChannels, pixels, k, weights, k, patches, pixels, DType.F32, GemmBLayout.KByN, output, pixels);
/// </code>
/// </example>
public static unsafe class Sgemm
{
    /// <summary>Below this many flops a GEMM runs on the calling thread (waking the team costs more).</summary>
    private const double ParallelThreshold = 4e6;

    /// <summary>Bytes of B above which a skinny GEMM (see <see cref="SkinnyGemmJob"/>) runs on the team.</summary>
    private const long SkinnyParallelBytes = 1 << 20;

    [ThreadStatic]
    private static GemmJob? t_job;

    [ThreadStatic]
    private static SkinnyGemmJob? t_skinnyJob;

    private static GemmJob? s_teamJob;
    private static SkinnyGemmJob? s_skinnyJob;
    private static GemmBatchJob? s_batchJob;

    /// <summary>
    /// <c>C = act(alpha · A·op(B) + (accumulate ? C : 0) + bias)</c>; see the class remarks for the operands.
    /// </summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of C (and of op(B)).</param>
    /// <param name="k">Columns of A, rows of op(B).</param>
    /// <param name="a">A, float32 [m, k].</param>
    /// <param name="lda">Row stride of A in floats (≥ k).</param>
    /// <param name="b">B in its stored dtype: [k, n] or [n, k] per <paramref name="bLayout"/>.</param>
    /// <param name="ldb">Row stride of B in elements (≥ n for KByN, ≥ k for NByK).</param>
    /// <param name="bType">B's dtype: F32, BF16, F16, F8E4M3FN or F8E5M2.</param>
    /// <param name="bLayout">How B is stored.</param>
    /// <param name="c">C, float32 [m, n]; read only when <paramref name="accumulate"/>.</param>
    /// <param name="ldc">Row stride of C in floats (≥ n).</param>
    /// <param name="bias">Float32 [n] added to every row, or null.</param>
    /// <param name="activation">Applied last, element-wise.</param>
    /// <param name="alpha">Scale of the product (not of C or the bias).</param>
    /// <param name="accumulate">Add to the existing C (BLAS beta = 1) instead of overwriting it (beta = 0).</param>
    /// <exception cref="ArgumentException">A size, stride, pointer or dtype is invalid.</exception>
    public static void Multiply(
        int m, int n, int k,
        float* a, nint lda,
        void* b, nint ldb, DType bType, GemmBLayout bLayout,
        float* c, nint ldc,
        float* bias = null, Activation activation = Activation.None, float alpha = 1f, bool accumulate = false) =>
        MultiplyCore(m, n, k, a, lda, b, ldb, bType, bLayout, c, ldc, bias, activation, alpha, accumulate, GemmIsas.Best, int.MaxValue);

    /// <summary>
    /// <paramref name="batchCount"/> independent GEMMs of the same shape: item i uses A + i·<paramref name="strideA"/>,
    /// B + i·<paramref name="strideB"/> and C + i·<paramref name="strideC"/> (elements of each operand's type; a stride
    /// of 0 shares that operand, e.g. one weight for every item). The bias, activation, alpha and accumulate apply to
    /// every item. Large items are each split across the cores; small ones are spread over the cores whole.
    /// </summary>
    /// <exception cref="ArgumentException">A size, stride, pointer or dtype is invalid, or C items overlap.</exception>
    public static void MultiplyBatched(
        int batchCount, int m, int n, int k,
        float* a, nint lda, long strideA,
        void* b, nint ldb, long strideB, DType bType, GemmBLayout bLayout,
        float* c, nint ldc, long strideC,
        float* bias = null, Activation activation = Activation.None, float alpha = 1f, bool accumulate = false) =>
        MultiplyBatchedCore(batchCount, m, n, k, a, lda, strideA, b, ldb, strideB, bType, bLayout, c, ldc, strideC, bias, activation, alpha, accumulate, GemmIsas.Best, int.MaxValue);

    /// <summary><see cref="Multiply(int, int, int, float*, nint, void*, nint, DType, GemmBLayout, float*, nint, float*, Activation, float, bool)"/> with a chosen kernel family and thread cap (tests, benchmarks).</summary>
    internal static void MultiplyCore(
        int m, int n, int k, float* a, nint lda, void* b, nint ldb, DType bType, GemmBLayout bLayout, float* c, nint ldc,
        float* bias, Activation activation, float alpha, bool accumulate, GemmIsa isa, int maxThreads)
    {
        var problem = Validate(m, n, k, a, lda, b, ldb, bType, bLayout, c, ldc, bias, activation, alpha, accumulate);
        if (m == 0 || n == 0)
        {
            return;
        }

        CheckIsa(isa);
        Run(problem, isa, maxThreads);
    }

    /// <summary><see cref="MultiplyBatched(int, int, int, int, float*, nint, long, void*, nint, long, DType, GemmBLayout, float*, nint, long, float*, Activation, float, bool)"/> with a chosen kernel family and thread cap.</summary>
    internal static void MultiplyBatchedCore(
        int batchCount, int m, int n, int k, float* a, nint lda, long strideA, void* b, nint ldb, long strideB, DType bType,
        GemmBLayout bLayout, float* c, nint ldc, long strideC, float* bias, Activation activation, float alpha, bool accumulate,
        GemmIsa isa, int maxThreads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchCount);
        var problem = Validate(m, n, k, a, lda, b, ldb, bType, bLayout, c, ldc, bias, activation, alpha, accumulate);
        if (batchCount == 0 || m == 0 || n == 0)
        {
            return;
        }

        CheckIsa(isa);
        ArgumentOutOfRangeException.ThrowIfNegative(strideA);
        ArgumentOutOfRangeException.ThrowIfNegative(strideB);
        if (batchCount > 1 && strideC < ((long)(m - 1) * ldc) + n)
        {
            throw new ArgumentException(
                $"strideC ({strideC}) is smaller than one [{m}, {n}] C item with row stride {ldc}; batch items of C would overlap.", nameof(strideC));
        }

        var team = GemmThreadTeam.Shared;
        int workers = Math.Min(team.Size, maxThreads);
        if (batchCount == 1 || workers == 1 || problem.Flops * batchCount < ParallelThreshold || problem.Flops >= 8 * ParallelThreshold || !team.TryAcquire())
        {
            for (int i = 0; i < batchCount; i++)
            {
                GemmProblem item = problem;
                item.A += i * strideA;
                item.B += i * strideB * bType.SizeOf();
                item.C += i * strideC;
                Run(item, isa, maxThreads);
            }

            return;
        }

        try
        {
            s_batchJob ??= new GemmBatchJob(team.Size);
            s_batchJob.Run(team, problem, batchCount, strideA, strideB, strideC, isa, Math.Min(workers, batchCount));
        }
        finally
        {
            team.Release();
        }
    }

    private static void Run(in GemmProblem problem, GemmIsa isa, int maxThreads)
    {
        var team = GemmThreadTeam.Shared;
        int workers = Math.Min(team.Size, maxThreads);
        bool skinny = SkinnyGemmJob.Applies(problem);

        // The skinny path is bound by reading B, so it is worth the team once B is large rather than by flop count.
        bool parallel = workers > 1 && (skinny ? (long)problem.N * problem.K * problem.BType.SizeOf() >= SkinnyParallelBytes : problem.Flops >= ParallelThreshold);
        if (parallel && team.TryAcquire())
        {
            try
            {
                if (skinny)
                {
                    (s_skinnyJob ??= new SkinnyGemmJob()).RunOn(team, problem, isa, workers);
                }
                else
                {
                    (s_teamJob ??= new GemmJob(team.Size)).RunOn(team, problem, isa, workers);
                }
            }
            finally
            {
                team.Release();
            }
        }
        else if (skinny)
        {
            (t_skinnyJob ??= new SkinnyGemmJob()).RunAlone(problem, isa);
        }
        else
        {
            (t_job ??= new GemmJob(1)).RunAlone(problem, isa);
        }
    }

    private static void CheckIsa(GemmIsa isa)
    {
        if (isa > GemmIsas.Best)
        {
            throw new ArgumentOutOfRangeException(nameof(isa), isa, $"This machine runs GEMM kernels up to {GemmIsas.Best}.");
        }
    }

    private static GemmProblem Validate(
        int m, int n, int k, float* a, nint lda, void* b, nint ldb, DType bType, GemmBLayout bLayout, float* c, nint ldc,
        float* bias, Activation activation, float alpha, bool accumulate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (!bType.IsFloatingPoint())
        {
            throw new ArgumentException($"B must be F32, BF16, F16, F8E4M3FN or F8E5M2, not {bType}.", nameof(bType));
        }

        if (!Enum.IsDefined(bLayout))
        {
            throw new ArgumentOutOfRangeException(nameof(bLayout), bLayout, "Unknown B layout.");
        }

        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }

        if (lda < Math.Max(k, 1))
        {
            throw new ArgumentException($"lda ({lda}) is smaller than k ({k}), the row length of A [{m}, {k}].", nameof(lda));
        }

        int bRow = bLayout == GemmBLayout.KByN ? n : k;
        if (ldb < Math.Max(bRow, 1))
        {
            string shape = bLayout == GemmBLayout.KByN ? $"[{k}, {n}]" : $"[{n}, {k}]";
            throw new ArgumentException($"ldb ({ldb}) is smaller than the row length {bRow} of B {shape} ({bLayout}).", nameof(ldb));
        }

        if (ldc < Math.Max(n, 1))
        {
            throw new ArgumentException($"ldc ({ldc}) is smaller than n ({n}), the row length of C [{m}, {n}].", nameof(ldc));
        }

        if (m > 0 && n > 0)
        {
            if (c == null)
            {
                throw new ArgumentException("C is null.", nameof(c));
            }

            if (k > 0 && (a == null || b == null))
            {
                throw new ArgumentException(a == null ? "A is null." : "B is null.", a == null ? nameof(a) : nameof(b));
            }
        }

        return new GemmProblem
        {
            M = m,
            N = n,
            K = k,
            A = a,
            Lda = lda,
            B = (byte*)b,
            Ldb = ldb,
            BType = bType,
            BLayout = bLayout,
            C = c,
            Ldc = ldc,
            Bias = bias,
            Activation = activation,
            Alpha = alpha,
            Accumulate = accumulate,
        };
    }
}
