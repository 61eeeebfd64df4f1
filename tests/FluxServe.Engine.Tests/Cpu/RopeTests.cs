using FluxServe.Engine.Cpu;

namespace FluxServe.Engine.Tests.Cpu;

[Collection(SimdWidthCollection.Name)]
public sealed class RopeTests
{
    public static TheoryData<int> Widths => SimdWidthCollection.Widths;

    private static CpuBackend Cpu => CpuBackend.Instance;

    [Theory]
    [MemberData(nameof(Widths))]
    public void RotatesAdjacentPairsByThePeMatrices(int width)
    {
        using var limit = SimdWidthCollection.Limit(width);
        int seed = 0;
        // Head dims below, at and off the register widths; FLUX's 128 with enough rows for the threaded path.
        foreach (var (batch, heads, tokens, d) in new[] { (1, 1, 1, 2), (1, 2, 3, 6), (2, 3, 5, 10), (1, 2, 7, 16), (2, 1, 4, 34), (1, 3, 9, 64), (2, 24, 40, 128) })
        {
            foreach (bool batchedPe in new[] { false, true })
            {
                int peBatch = batchedPe ? batch : 1;
                using var x = TestTensors.Random(++seed, batch, heads, tokens, d);
                using var pe = RotationTable(++seed, peBatch, tokens, d / 2);
                using var y = Cpu.Rope(x, pe);
                Assert.Equal(x.Shape.ToArray(), y.Shape.ToArray());

                double[] xs = TestTensors.Values(x), ps = TestTensors.Values(pe);
                double[] expected = new double[xs.Length];
                for (int b = 0; b < batch; b++)
                {
                    for (int h = 0; h < heads; h++)
                    {
                        for (int l = 0; l < tokens; l++)
                        {
                            long row = ((((long)b * heads) + h) * tokens + l) * d;
                            long m = (((batchedPe ? b : 0) * (long)tokens) + l) * d * 2;
                            for (int j = 0; j < d / 2; j++)
                            {
                                double x0 = xs[row + (2 * j)], x1 = xs[row + (2 * j) + 1];
                                long mj = m + (4 * j);
                                expected[row + (2 * j)] = (ps[mj] * x0) + (ps[mj + 1] * x1);
                                expected[row + (2 * j) + 1] = (ps[mj + 2] * x0) + (ps[mj + 3] * x1);
                            }
                        }
                    }
                }

                TestTensors.AssertClose(expected, y, 1e-6, 1e-6);
            }
        }
    }

    [Fact]
    public void ZeroAnglesAreTheIdentityAndAQuarterTurnMapsXToY()
    {
        using var x = Tensor.FromArray([1f, 2f, 3f, 4f], 1, 1, 1, 4);
        // Pair 0: angle 0 (identity). Pair 1: angle π/2, [[0, −1], [1, 0]]: (3, 4) → (−4, 3).
        using var pe = Tensor.FromArray([1f, 0f, 0f, 1f, 0f, -1f, 1f, 0f], 1, 1, 1, 2, 2, 2);
        using var y = Cpu.Rope(x, pe);
        Assert.Equal([1f, 2f, -4f, 3f], y.ToArray<float>());
    }

    [Fact]
    public void RejectsMismatchedPe()
    {
        using var x = TestTensors.Random(1, 2, 2, 3, 8);
        using var wrongTokens = RotationTable(2, 1, 4, 4);
        using var wrongBatch = RotationTable(2, 3, 3, 4);
        using var wrongRank = TestTensors.Random(3, 1, 3, 4, 2, 2);
        using var odd = TestTensors.Random(4, 1, 1, 3, 7);
        using var oddPe = RotationTable(2, 1, 3, 3);
        Assert.Throws<ArgumentException>(() => Cpu.Rope(x, wrongTokens));
        Assert.Throws<ArgumentException>(() => Cpu.Rope(x, wrongBatch));
        Assert.Throws<ArgumentException>(() => Cpu.Rope(x, wrongRank));
        Assert.Throws<ArgumentException>(() => Cpu.Rope(odd, oddPe));
    }

    /// <summary>A pe tensor [B, 1, L, P, 2, 2] of rotation matrices [[cos, −sin], [sin, cos]] for random angles.</summary>
    private static Tensor RotationTable(int seed, int batch, int tokens, int pairs)
    {
        var random = new Random(seed);
        float[] data = new float[batch * tokens * pairs * 4];
        for (int i = 0; i < batch * tokens * pairs; i++)
        {
            double angle = (random.NextDouble() - 0.5) * 200;
            data[(4 * i) + 0] = (float)Math.Cos(angle);
            data[(4 * i) + 1] = (float)-Math.Sin(angle);
            data[(4 * i) + 2] = (float)Math.Sin(angle);
            data[(4 * i) + 3] = (float)Math.Cos(angle);
        }

        return Tensor.FromArray(data, batch, 1, tokens, pairs, 2, 2);
    }
}
