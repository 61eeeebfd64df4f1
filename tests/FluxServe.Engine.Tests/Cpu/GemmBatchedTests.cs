using FluxServe.Engine.Cpu.Gemm;
using FluxServe.Engine.Numerics;

namespace FluxServe.Engine.Tests.Cpu;

/// <summary><see cref="Sgemm.MultiplyBatched"/>: each item equals a single GEMM on its slices, in both scheduling modes.</summary>
public sealed unsafe class GemmBatchedTests
{
    [Theory]
    [InlineData(7, 5, 9, 11, 0)] // tiny items: run whole, spread over the team
    [InlineData(7, 33, 29, 64, 1)] // tiny items, one B shared by all (stride 0)
    [InlineData(3, 130, 140, 150, 0)] // larger items: each split across the team
    [InlineData(1, 20, 20, 20, 0)]
    public void Each_item_matches_a_single_multiply(int batch, int m, int n, int k, int shareB)
    {
        var random = new Random(batch + m);
        long strideA = ((long)m * k) + 5;
        long strideB = shareB == 1 ? 0 : ((long)n * k) + 7;
        long strideC = ((long)m * n) + 3;
        float[] a = Fill(random, (int)(strideA * batch));
        ushort[] b = new ushort[shareB == 1 ? n * k : (int)(strideB * batch)];
        for (int i = 0; i < b.Length; i++)
        {
            b[i] = BFloat16Conversion.FromSingle((float)(random.NextDouble() - 0.5));
        }

        float[] bias = Fill(random, n);
        float[] batched = Fill(random, (int)(strideC * batch));
        float[] single = (float[])batched.Clone();
        fixed (float* pa = a)
        fixed (ushort* pb = b)
        fixed (float* pc = batched)
        fixed (float* ps = single)
        fixed (float* pbias = bias)
        {
            Sgemm.MultiplyBatched(batch, m, n, k, pa, k, strideA, pb, k, strideB, DType.BF16, GemmBLayout.NByK, pc, n, strideC, pbias, Activation.SiLU, 0.5f, accumulate: true);
            for (int i = 0; i < batch; i++)
            {
                Sgemm.Multiply(m, n, k, pa + (i * strideA), k, pb + (i * strideB), k, DType.BF16, GemmBLayout.NByK, ps + (i * strideC), n, pbias, Activation.SiLU, 0.5f, accumulate: true);
            }
        }

        Assert.Equal(single, batched);
    }

    [Fact]
    public void Overlapping_C_items_are_rejected()
    {
        float[] a = new float[100];
        float[] b = new float[100];
        float[] c = new float[100];
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            float* ia = pa;
            float* ib = pb;
            float* ic = pc;
            var e = Assert.Throws<ArgumentException>(() => Sgemm.MultiplyBatched(2, 3, 4, 2, ia, 2, 6, ib, 4, 8, DType.F32, GemmBLayout.KByN, ic, 4, 5));
            Assert.Contains("overlap", e.Message, StringComparison.Ordinal);
        }
    }

    private static float[] Fill(Random random, int length)
    {
        float[] x = new float[length];
        for (int i = 0; i < length; i++)
        {
            x[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return x;
    }
}
