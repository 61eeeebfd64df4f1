using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>
/// GEMMs with at most <see cref="MaxRows"/> rows of A and B in the Linear layout [N, K] (a Linear on one token or one
/// conditioning vector: FLUX's modulations and embedders run at M = batch): each output is a dot product of an A row
/// with a contiguous row of B, read once and widened on the fly. Packing would copy (and widen) the whole weight to
/// use it once; this reads it once at memory speed.
/// </summary>
/// <remarks>
/// The members take 64-column chunks of C from a shared counter. Each dot product accumulates in two vector lanes sets
/// (16 and 16 k apart) and a scalar tail, always in the same order, so results do not depend on the thread count; they
/// may differ in the last bits from the packed path's k-sequential order.
/// </remarks>
internal sealed unsafe class SkinnyGemmJob : IGemmTeamWork
{
    /// <summary>The most rows of A this path takes.</summary>
    public const int MaxRows = 4;

    private const int Chunk = 64;
    private GemmProblem _problem;
    private GemmIsa _isa;
    private int _next;

    /// <summary>Whether <paramref name="problem"/> belongs on this path.</summary>
    public static bool Applies(in GemmProblem problem) => problem.M <= MaxRows && problem.BLayout == GemmBLayout.NByK;

    /// <summary>Runs <paramref name="problem"/> on the calling thread alone.</summary>
    public void RunAlone(in GemmProblem problem, GemmIsa isa)
    {
        _problem = problem;
        _isa = isa;
        _next = 0;
        Execute(0, 1);
    }

    /// <summary>Runs <paramref name="problem"/> on <paramref name="workers"/> members of <paramref name="team"/> (held by the caller).</summary>
    public void RunOn(GemmThreadTeam team, in GemmProblem problem, GemmIsa isa, int workers)
    {
        _problem = problem;
        _isa = isa;
        _next = 0;
        team.Run(this, workers);
    }

    /// <inheritdoc />
    public void Execute(int worker, int workers)
    {
        ref readonly GemmProblem p = ref _problem;
        int chunks = (p.N + Chunk - 1) / Chunk;
        int chunk;
        while ((chunk = Interlocked.Increment(ref _next) - 1) < chunks)
        {
            int n0 = chunk * Chunk;
            int n1 = Math.Min(p.N, n0 + Chunk);
            switch (p.BType)
            {
                case DType.F32: Columns<F32Element>(n0, n1); break;
                case DType.BF16: Columns<BF16Element>(n0, n1); break;
                case DType.F16: Columns<F16Element>(n0, n1); break;
                case DType.F8E4M3FN: Columns<F8E4M3FNElement>(n0, n1); break;
                default: Columns<F8E5M2Element>(n0, n1); break;
            }

            if (p.Activation != Activation.None)
            {
                for (int i = 0; i < p.M; i++)
                {
                    ActivationKernels.Apply(new Span<float>(p.C + (i * p.Ldc) + n0, n1 - n0), p.Activation);
                }
            }
        }
    }

    private void Columns<T>(int n0, int n1)
        where T : struct, IPackElement
    {
        switch (_problem.M)
        {
            case 1: Columns<T, Rows1>(n0, n1); break;
            case 2: Columns<T, Rows2>(n0, n1); break;
            case 3: Columns<T, Rows3>(n0, n1); break;
            default: Columns<T, Rows4>(n0, n1); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Columns<T, TRows>(int n0, int n1)
        where T : struct, IPackElement
        where TRows : struct, IRowCount
    {
        ref readonly GemmProblem p = ref _problem;
        float* dots = stackalloc float[MaxRows];
        for (int n = n0; n < n1; n++)
        {
            byte* w = p.B + ((nint)n * p.Ldb * T.Size);
            switch (_isa)
            {
                case GemmIsa.Avx512: Dot512<T, TRows>(p.A, p.Lda, w, p.K, dots); break;
                case GemmIsa.Avx2: Dot256<T, TRows>(p.A, p.Lda, w, p.K, dots); break;
                default: DotScalar<T, TRows>(p.A, p.Lda, w, p.K, 0, dots, zero: true); break;
            }

            for (int i = 0; i < TRows.Value; i++)
            {
                // The packed kernel's store order: alpha·acc, then + C, then + bias.
                float* c = p.C + (i * p.Ldc) + n;
                float v = dots[i] * p.Alpha;
                if (p.Accumulate)
                {
                    v += *c;
                }

                if (p.Bias != null)
                {
                    v += p.Bias[n];
                }

                *c = v;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot512<T, TRows>(float* a, nint lda, byte* w, int k, float* dots)
        where T : struct, IPackElement
        where TRows : struct, IRowCount
    {
        Vector512<float> s00 = default, s01 = default, s10 = default, s11 = default, s20 = default, s21 = default, s30 = default, s31 = default;
        int kk = 0;
        for (; kk + 32 <= k; kk += 32)
        {
            var w0 = T.Load16(w + ((nint)kk * T.Size));
            var w1 = T.Load16(w + ((nint)(kk + 16) * T.Size));
            s00 = Vector512.FusedMultiplyAdd(Vector512.Load(a + kk), w0, s00);
            s01 = Vector512.FusedMultiplyAdd(Vector512.Load(a + kk + 16), w1, s01);
            if (TRows.Value > 1)
            {
                s10 = Vector512.FusedMultiplyAdd(Vector512.Load(a + lda + kk), w0, s10);
                s11 = Vector512.FusedMultiplyAdd(Vector512.Load(a + lda + kk + 16), w1, s11);
            }

            if (TRows.Value > 2)
            {
                s20 = Vector512.FusedMultiplyAdd(Vector512.Load(a + (2 * lda) + kk), w0, s20);
                s21 = Vector512.FusedMultiplyAdd(Vector512.Load(a + (2 * lda) + kk + 16), w1, s21);
            }

            if (TRows.Value > 3)
            {
                s30 = Vector512.FusedMultiplyAdd(Vector512.Load(a + (3 * lda) + kk), w0, s30);
                s31 = Vector512.FusedMultiplyAdd(Vector512.Load(a + (3 * lda) + kk + 16), w1, s31);
            }
        }

        dots[0] = Vector512.Sum(s00 + s01);
        dots[1] = Vector512.Sum(s10 + s11);
        dots[2] = Vector512.Sum(s20 + s21);
        dots[3] = Vector512.Sum(s30 + s31);
        DotScalar<T, TRows>(a, lda, w, k, kk, dots, zero: false);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot256<T, TRows>(float* a, nint lda, byte* w, int k, float* dots)
        where T : struct, IPackElement
        where TRows : struct, IRowCount
    {
        Vector256<float> s00 = default, s01 = default, s10 = default, s11 = default, s20 = default, s21 = default, s30 = default, s31 = default;
        int kk = 0;
        for (; kk + 16 <= k; kk += 16)
        {
            var w0 = T.Load8(w + ((nint)kk * T.Size));
            var w1 = T.Load8(w + ((nint)(kk + 8) * T.Size));
            s00 = Vector256.FusedMultiplyAdd(Vector256.Load(a + kk), w0, s00);
            s01 = Vector256.FusedMultiplyAdd(Vector256.Load(a + kk + 8), w1, s01);
            if (TRows.Value > 1)
            {
                s10 = Vector256.FusedMultiplyAdd(Vector256.Load(a + lda + kk), w0, s10);
                s11 = Vector256.FusedMultiplyAdd(Vector256.Load(a + lda + kk + 8), w1, s11);
            }

            if (TRows.Value > 2)
            {
                s20 = Vector256.FusedMultiplyAdd(Vector256.Load(a + (2 * lda) + kk), w0, s20);
                s21 = Vector256.FusedMultiplyAdd(Vector256.Load(a + (2 * lda) + kk + 8), w1, s21);
            }

            if (TRows.Value > 3)
            {
                s30 = Vector256.FusedMultiplyAdd(Vector256.Load(a + (3 * lda) + kk), w0, s30);
                s31 = Vector256.FusedMultiplyAdd(Vector256.Load(a + (3 * lda) + kk + 8), w1, s31);
            }
        }

        dots[0] = Vector256.Sum(s00 + s01);
        dots[1] = Vector256.Sum(s10 + s11);
        dots[2] = Vector256.Sum(s20 + s21);
        dots[3] = Vector256.Sum(s30 + s31);
        DotScalar<T, TRows>(a, lda, w, k, kk, dots, zero: false);
    }

    /// <summary>Adds the products of k = <paramref name="from"/>..<paramref name="k"/> to the dots (or starts them at zero).</summary>
    private static void DotScalar<T, TRows>(float* a, nint lda, byte* w, int k, int from, float* dots, bool zero)
        where T : struct, IPackElement
        where TRows : struct, IRowCount
    {
        for (int i = 0; i < TRows.Value; i++)
        {
            float* row = a + (i * lda);
            float sum = zero ? 0f : dots[i];
            for (int kk = from; kk < k; kk++)
            {
                sum = MathF.FusedMultiplyAdd(row[kk], T.Load(w + ((nint)kk * T.Size)), sum);
            }

            dots[i] = sum;
        }
    }
}
