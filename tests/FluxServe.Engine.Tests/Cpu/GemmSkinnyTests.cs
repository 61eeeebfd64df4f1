using FluxServe.Engine.Cpu.Gemm;

namespace FluxServe.Engine.Tests.Cpu;

/// <summary>
/// The skinny path (at most four rows of A, B as [N, K]): against the double reference for every dtype and kernel
/// family with K tails of every length, thread-count independence, and agreement with the packed path it replaces.
/// </summary>
public sealed class GemmSkinnyTests
{
    [Theory]
    [MemberData(nameof(GemmTests.IsaLayoutDtype), MemberType = typeof(GemmTests))]
    public void Matches_the_reference_for_one_to_four_rows(int isa, int layout, int dtype)
    {
        if ((GemmBLayout)layout != GemmBLayout.NByK)
        {
            return; // only the Linear layout takes the skinny path; the other is covered by GemmTests
        }

        int seed = 7;
        foreach (int m in new[] { 1, 2, 3, 4 })
        {
            foreach (int k in new[] { 1, 15, 16, 31, 32, 33, 47, 64, 100, 1000 })
            {
                var gemm = new GemmCase(m, 70, k, (DType)dtype, GemmBLayout.NByK, seed++, withBias: k % 2 == 0);
                gemm.AssertMatches(gemm.Run((GemmIsa)isa, 1, Activation.SiLU, alpha: 0.75f, accumulate: k % 3 == 0), Activation.SiLU, 0.75f, accumulate: k % 3 == 0);
            }
        }
    }

    [Theory]
    [MemberData(nameof(GemmTests.Isas), MemberType = typeof(GemmTests))]
    public void Results_do_not_depend_on_the_number_of_threads(int isa)
    {
        // 700×600 float32 is 1.6 MiB of B: enough for the team to take it, in eleven 64-column chunks.
        var gemm = new GemmCase(3, 700, 600, DType.F32, GemmBLayout.NByK, seed: 4, withBias: true);
        float[] one = gemm.Run((GemmIsa)isa, 1, Activation.GeluExact);
        Assert.Equal(one, gemm.Run((GemmIsa)isa, 2, Activation.GeluExact));
        Assert.Equal(one, gemm.Run((GemmIsa)isa, 16, Activation.GeluExact));
        gemm.AssertMatches(one, Activation.GeluExact);
    }

    [Fact]
    public unsafe void Agrees_with_the_packed_path_at_the_boundary()
    {
        // The same first four rows: as part of a 5-row problem they go through the packed kernel, alone through the
        // skinny path.
        var gemm = new GemmCase(5, 90, 300, DType.BF16, GemmBLayout.NByK, seed: 11);
        float[] packed = gemm.Run(GemmIsas.Best, 1);
        float[] skinny = (float[])gemm.InitialC.Clone();
        fixed (float* a = gemm.A)
        fixed (byte* b = gemm.BBytes)
        fixed (float* c = skinny)
        {
            Sgemm.Multiply(4, gemm.N, gemm.K, a, gemm.Lda, b, gemm.Ldb, DType.BF16, GemmBLayout.NByK, c, gemm.Ldc);
        }

        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < gemm.N; j++)
            {
                float p = packed[(i * gemm.Ldc) + j], q = skinny[(i * gemm.Ldc) + j];
                Assert.True(Math.Abs(p - q) <= 1e-5f * (1 + Math.Abs(p)), $"C[{i},{j}]: packed {p}, skinny {q}");
            }
        }
    }
}
