using FluxServe.Engine.Cpu;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Tests.Cpu;

[Collection(SimdWidthCollection.Name)]
public sealed class AttentionTests
{
    public static TheoryData<int> Widths => SimdWidthCollection.Widths;

    private static CpuBackend Cpu => CpuBackend.Instance;

    [Theory]
    [MemberData(nameof(Widths))]
    public void MatchesSoftmaxOfScaledScoresTimesValues(int width)
    {
        using var limit = SimdWidthCollection.Limit(width);
        int seed = 0;
        // Head dims off and on the register widths, sequence lengths around the 64-blocks, Lq ≠ Lk, and one case big
        // enough for the threaded path.
        foreach (var (batch, heads, lq, lk, d) in new[]
        {
            (1, 1, 1, 1, 1), (1, 1, 1, 5, 3), (1, 2, 5, 1, 4), (2, 3, 7, 9, 17), (1, 2, 63, 65, 64), (1, 1, 64, 64, 128),
            (2, 2, 65, 130, 40), (1, 3, 130, 77, 33), (1, 4, 200, 200, 64),
        })
        {
            AssertMatchesReference(++seed, batch, heads, lq, lk, d, d);
            seed += 2;
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void HeadDimsOffTheRegisterWidthMatchTheReference(int width)
    {
        using var limit = SimdWidthCollection.Limit(width);
        int seed = 100;
        // D mod 16/8/4 ≠ 0 puts the last columns of P·V in the overlapping tail register, carried by a 4×4, 4×2 or 4×1
        // tile (D = 72, 40, 88, 24) or alone (D narrower than the register: 8, 3, 1); Lq = 6 and 67 leave 2 and 3
        // single rows after the 4-row tiles; Dv ≠ D exercises the value width on its own.
        foreach (var (lq, lk, d, dv) in new[]
        {
            (67, 70, 72, 72), (6, 65, 80, 80), (67, 9, 88, 88), (6, 70, 96, 96), (67, 64, 40, 40), (6, 130, 24, 24),
            (67, 3, 8, 8), (6, 66, 3, 3), (67, 5, 1, 1), (6, 70, 72, 20), (67, 66, 64, 12), (6, 9, 16, 120), (67, 33, 40, 5),
        })
        {
            AssertMatchesReference(++seed, 2, 2, lq, lk, d, dv);
            seed += 2;
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void TailColumnsGiveTheSameBitsOnOneThreadAndMany(int width)
    {
        using var limit = SimdWidthCollection.Limit(width);
        using var q = TestTensors.Random(1, 1, 3, 150, 72);
        using var k = TestTensors.Random(2, 1, 3, 140, 72);
        using var v = TestTensors.Random(3, 1, 3, 140, 88);
        int threads = ParallelRange.MaxThreads;
        try
        {
            ParallelRange.MaxThreads = 1;
            using var single = Cpu.Attention(q, k, v, null, causal: false, 0.1f);
            ParallelRange.MaxThreads = Math.Max(4, threads);
            using var many = Cpu.Attention(q, k, v, null, causal: false, 0.1f);
            Assert.True(single.AsBytes().SequenceEqual(many.AsBytes()));
        }
        finally
        {
            ParallelRange.MaxThreads = threads;
        }
    }

    private static void AssertMatchesReference(int seed, int batch, int heads, int lq, int lk, int d, int dv)
    {
        using var q = TestTensors.Random(seed, -2f, 2f, batch, heads, lq, d);
        using var k = TestTensors.Random(seed + 1, -2f, 2f, batch, heads, lk, d);
        using var v = TestTensors.Random(seed + 2, batch, heads, lk, dv);
        float scale = 1f / MathF.Sqrt(d);
        foreach (bool causal in new[] { false, true })
        {
            using var y = Cpu.Attention(q, k, v, null, causal, scale);
            Assert.Equal([batch, heads, lq, dv], y.Shape.ToArray());
            TestTensors.AssertClose(Reference(q, k, v, null, causal, scale), y, 1e-5, 1e-5);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void AddsBroadcastBiasBeforeTheSoftmax(int width)
    {
        using var limit = SimdWidthCollection.Limit(width);
        const int Batch = 2, Heads = 3, Lq = 70, Lk = 67, D = 20;
        using var q = TestTensors.Random(1, Batch, Heads, Lq, D);
        using var k = TestTensors.Random(2, Batch, Heads, Lk, D);
        using var v = TestTensors.Random(3, Batch, Heads, Lk, 24);
        int seed = 10;
        foreach (int[] biasShape in new[]
        {
            new[] { Batch, Heads, Lq, Lk }, [Lq, Lk], [1, Heads, Lq, Lk], [Batch, 1, 1, Lk], [Lk], [Batch, Heads, Lq, 1], [1],
        })
        {
            using var bias = TestTensors.Random(++seed, -3f, 3f, biasShape);
            foreach (bool causal in new[] { false, true })
            {
                using var y = Cpu.Attention(q, k, v, bias, causal, 0.3f);
                Assert.Equal([Batch, Heads, Lq, 24], y.Shape.ToArray());
                TestTensors.AssertClose(Reference(q, k, v, bias, causal, 0.3f), y, 1e-5, 1e-5);
            }
        }
    }

    [Fact]
    public void MinusInfinityBiasMasksKeys()
    {
        const int Lq = 3, Lk = 100, D = 8;
        using var q = TestTensors.Random(1, 1, 1, Lq, D);
        using var k = TestTensors.Random(2, 1, 1, Lk, D);
        using var v = TestTensors.Random(3, 1, 1, Lk, D);
        float[] mask = new float[Lk];
        for (int j = 0; j < Lk; j++)
        {
            // Keys 70.. are padding; key 0 is masked too, so the first block's maximum is not at j = 0.
            mask[j] = j >= 70 || j == 0 ? float.NegativeInfinity : 0f;
        }

        using var bias = Tensor.FromArray(mask, Lk);
        using var y = Cpu.Attention(q, k, v, bias, causal: false, 0.5f);
        using var k70 = Cpu.Slice(k, 2, 1, 69);
        using var v70 = Cpu.Slice(v, 2, 1, 69);
        using var expected = Cpu.Attention(q, k70, v70, null, causal: false, 0.5f);
        TestTensors.AssertClose(TestTensors.Values(expected), y, 1e-6, 1e-6);
    }

    [Fact]
    public void RejectsMismatchedShapes()
    {
        using var q = TestTensors.Random(1, 1, 2, 5, 8);
        using var k = TestTensors.Random(2, 1, 2, 6, 8);
        using var v = TestTensors.Random(3, 1, 2, 6, 8);
        using var kWrongD = TestTensors.Random(4, 1, 2, 6, 7);
        using var vWrongL = TestTensors.Random(5, 1, 2, 5, 8);
        using var badBias = TestTensors.Random(6, 5, 5);
        using var k3 = TestTensors.Random(7, 2, 6, 8);
        Assert.Throws<ArgumentException>(() => Cpu.Attention(q, kWrongD, v, null, false, 1f));
        Assert.Throws<ArgumentException>(() => Cpu.Attention(q, k, vWrongL, null, false, 1f));
        Assert.Throws<ArgumentException>(() => Cpu.Attention(q, k, v, badBias, false, 1f));
        Assert.Throws<ArgumentException>(() => Cpu.Attention(q, k3, v, null, false, 1f));
    }

    /// <summary>softmax(q·kᵀ·scale + bias, causal j ≤ i)·v per (batch, head, query) in double.</summary>
    private static double[] Reference(Tensor q, Tensor k, Tensor v, Tensor? bias, bool causal, double scale)
    {
        int batch = q.Shape[0], heads = q.Shape[1], lq = q.Shape[2], d = q.Shape[3], lk = k.Shape[2], dv = v.Shape[3];
        double[] qs = TestTensors.Values(q), ks = TestTensors.Values(k), vs = TestTensors.Values(v);
        double[]? bs = bias is null ? null : TestTensors.Values(bias);
        int[] biasShape = new int[4];
        for (int i = 0; i < 4; i++)
        {
            int j = i - (4 - (bias?.Rank ?? 0));
            biasShape[i] = j >= 0 ? bias!.Shape[j] : 1;
        }

        long[] biasStrides = TestTensors.Strides(biasShape);
        double[] result = new double[batch * heads * lq * dv];
        double[] scores = new double[lk];
        for (int b = 0; b < batch; b++)
        {
            for (int h = 0; h < heads; h++)
            {
                long bh = (b * heads) + h;
                for (int i = 0; i < lq; i++)
                {
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < lk; j++)
                    {
                        double dot = 0;
                        for (int t = 0; t < d; t++)
                        {
                            dot += qs[(((bh * lq) + i) * d) + t] * ks[(((bh * lk) + j) * d) + t];
                        }

                        double s = dot * scale;
                        if (bs is not null)
                        {
                            long at = ((biasShape[0] == 1 ? 0 : b) * biasStrides[0]) + ((biasShape[1] == 1 ? 0 : h) * biasStrides[1])
                                + ((biasShape[2] == 1 ? 0 : i) * biasStrides[2]) + ((biasShape[3] == 1 ? 0 : j) * biasStrides[3]);
                            s += bs[at];
                        }

                        scores[j] = causal && j > i ? double.NegativeInfinity : s;
                        max = Math.Max(max, scores[j]);
                    }

                    double sum = 0;
                    for (int j = 0; j < lk; j++)
                    {
                        scores[j] = Math.Exp(scores[j] - max);
                        sum += scores[j];
                    }

                    for (int c = 0; c < dv; c++)
                    {
                        double o = 0;
                        for (int j = 0; j < lk; j++)
                        {
                            o += scores[j] * vs[(((bh * lk) + j) * dv) + c];
                        }

                        result[(((bh * lq) + i) * dv) + c] = o / sum;
                    }
                }
            }
        }

        return result;
    }
}
