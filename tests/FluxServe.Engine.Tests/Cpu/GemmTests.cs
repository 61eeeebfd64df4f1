using FluxServe.Engine.Cpu.Gemm;

namespace FluxServe.Engine.Tests.Cpu;

/// <summary>
/// <see cref="Sgemm"/> against a double-accumulating scalar reference: awkward sizes (edges in every dimension, K
/// across several KC slices, M across several MC blocks), every B dtype and layout, every kernel family this machine
/// runs (so AVX2 and the 128-bit kernel are covered on an AVX-512 machine), the epilogue, and thread-count independence.
/// </summary>
public sealed class GemmTests
{
    private static readonly (int M, int N, int K)[] AwkwardSizes =
    [
        (1, 1, 1), (3, 7, 17), (7, 3, 1), (17, 63, 65), (65, 129, 7), (14, 32, 16), (15, 33, 257),
        (129, 65, 300), (1, 200, 513), (200, 1, 31), (6, 16, 8), (13, 31, 15),
    ];

    public static TheoryData<int, int, int> IsaLayoutDtype()
    {
        var data = new TheoryData<int, int, int>();
        foreach (GemmIsa isa in GemmIsas.Supported())
        {
            foreach (GemmBLayout layout in new[] { GemmBLayout.KByN, GemmBLayout.NByK })
            {
                foreach (DType dtype in new[] { DType.F32, DType.BF16, DType.F16, DType.F8E4M3FN, DType.F8E5M2 })
                {
                    data.Add((int)isa, (int)layout, (int)dtype);
                }
            }
        }

        return data;
    }

    public static TheoryData<int> Isas()
    {
        var data = new TheoryData<int>();
        foreach (GemmIsa isa in GemmIsas.Supported())
        {
            data.Add((int)isa);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(IsaLayoutDtype))]
    public void Matches_the_reference_over_awkward_sizes(int isa, int layout, int dtype)
    {
        int seed = 1;
        foreach (var (m, n, k) in AwkwardSizes)
        {
            var gemm = new GemmCase(m, n, k, (DType)dtype, (GemmBLayout)layout, seed++);
            gemm.AssertMatches(gemm.Run((GemmIsa)isa, maxThreads: 1), label: ((GemmIsa)isa).ToString());
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void Epilogue_bias_activation_alpha_and_accumulate(int isa)
    {
        int seed = 100;
        foreach (Activation activation in Enum.GetValues<Activation>())
        {
            foreach (var (m, n, k) in new[] { (17, 45, 33), (5, 70, 300) })
            {
                foreach (bool withBias in new[] { false, true })
                {
                    var gemm = new GemmCase(m, n, k, DType.BF16, GemmBLayout.NByK, seed++, withBias);
                    gemm.AssertMatches(gemm.Run((GemmIsa)isa, 1, activation), activation);
                    gemm.AssertMatches(gemm.Run((GemmIsa)isa, 1, activation, alpha: -0.37f, accumulate: true), activation, -0.37f, accumulate: true);
                }
            }
        }
    }

    [Fact]
    public void K_zero_gives_the_bias_or_keeps_C_when_accumulating()
    {
        var gemm = new GemmCase(5, 9, 0, DType.F32, GemmBLayout.NByK, seed: 3, withBias: true);
        gemm.AssertMatches(gemm.Run(GemmIsas.Best, 1, Activation.Relu), Activation.Relu);
        gemm.AssertMatches(gemm.Run(GemmIsas.Best, 1, accumulate: true), accumulate: true);
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void Large_problems_split_across_threads_and_blocks_match_the_reference(int isa)
    {
        // Large enough to run on the thread team: K spans two KC slices, N one full and one partial block, and the
        // narrow N in the second case makes the members split rows; the last case crosses an MC block boundary.
        foreach (var (m, n, k, dtype) in new[] { (150, 700, 300, DType.F32), (300, 40, 400, DType.BF16), (4300, 33, 20, DType.F16) })
        {
            var gemm = new GemmCase(m, n, k, dtype, GemmBLayout.NByK, seed: m, withBias: true);
            gemm.AssertMatches(gemm.Run((GemmIsa)isa, maxThreads: 8, Activation.SiLU), Activation.SiLU);
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void Results_do_not_depend_on_the_number_of_threads(int isa)
    {
        foreach (var (m, n, k, layout) in new[] { (150, 700, 300, GemmBLayout.KByN), (300, 40, 400, GemmBLayout.NByK), (45, 1100, 290, GemmBLayout.NByK) })
        {
            var gemm = new GemmCase(m, n, k, DType.F32, layout, seed: n, withBias: true);
            float[] one = gemm.Run((GemmIsa)isa, 1, Activation.GeluTanh);
            float[] two = gemm.Run((GemmIsa)isa, 2, Activation.GeluTanh);
            float[] many = gemm.Run((GemmIsa)isa, 16, Activation.GeluTanh);
            Assert.Equal(one, two);
            Assert.Equal(one, many);
        }
    }

    [Fact]
    public unsafe void Calls_after_the_first_do_not_allocate()
    {
        // Pack buffers and jobs are reused: a warm single-threaded call allocates nothing (packed and skinny paths).
        foreach (int m in new[] { 40, 2 })
        {
            var gemm = new GemmCase(m, 100, 300, DType.BF16, GemmBLayout.NByK, seed: m, withBias: true);
            float[] c = new float[gemm.InitialC.Length];
            fixed (float* a = gemm.A)
            fixed (byte* b = gemm.BBytes)
            fixed (float* cp = c)
            fixed (float* bias = gemm.Bias)
            {
                // Past the JIT's tier-up first (it may allocate on the calling thread once); a real per-call
                // allocation shows in every window, so one clean window of five calls out of three is required.
                long[] windows = new long[3];
                for (int w = -8; w < windows.Length; w++)
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    for (int i = 0; i < 5; i++)
                    {
                        Sgemm.MultiplyCore(m, gemm.N, gemm.K, a, gemm.Lda, b, gemm.Ldb, DType.BF16, GemmBLayout.NByK, cp, gemm.Ldc, bias, Activation.SiLU, 1f, false, GemmIsas.Best, 1);
                    }

                    if (w >= 0)
                    {
                        windows[w] = GC.GetAllocatedBytesForCurrentThread() - before;
                    }
                }

                Assert.True(windows.Min() == 0, $"m={m}: bytes allocated per window of five calls: {string.Join(", ", windows)}");
            }
        }
    }

    [Fact]
    public void Kernel_families_agree_closely()
    {
        var gemm = new GemmCase(37, 77, 129, DType.F32, GemmBLayout.KByN, seed: 9);
        float[] best = gemm.Run(GemmIsas.Best, 1);
        foreach (GemmIsa isa in GemmIsas.Supported())
        {
            float[] other = gemm.Run(isa, 1);
            for (int i = 0; i < best.Length; i++)
            {
                Assert.True(Math.Abs(best[i] - other[i]) <= 1e-4f * (1 + Math.Abs(best[i])), $"{isa} differs at {i}: {other[i]} vs {best[i]}");
            }
        }
    }
}
