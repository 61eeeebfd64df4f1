using FluxServe.Engine.Cpu;

namespace FluxServe.Engine.Tests.Cpu;

[Collection(SimdWidthCollection.Name)]
public sealed class NormTests
{
    public static TheoryData<int> Widths => SimdWidthCollection.Widths;

    // Row lengths around every register width, a FLUX-like one, and rows x cols big enough for the threaded path.
    private static readonly (int Rows, int D)[] s_shapes = [(1, 1), (3, 2), (2, 3), (5, 7), (4, 15), (3, 16), (3, 17), (2, 31), (2, 33), (6, 64), (7, 127), (1, 3072), (301, 1000), (40, 4099)];

    private static CpuBackend Cpu => CpuBackend.Instance;

    [Theory]
    [MemberData(nameof(Widths))]
    public void LayerNormMatchesTheDefinition(int width)
    {
        using var limit = SimdWidthCollection.Limit(width);
        int seed = 0;
        foreach (var (rows, d) in s_shapes)
        {
            // An offset mean checks the two-pass variance does not cancel.
            using var x = TestTensors.Random(++seed, 2f, 6f, rows, d);
            using var w = TestTensors.Random(++seed, d);
            using var b = TestTensors.Random(++seed, d);
            foreach (var (weight, bias) in new (Tensor?, Tensor?)[] { (null, null), (w, b), (w, null), (null, b) })
            {
                using var y = Cpu.LayerNorm(x, weight, bias, 1e-6f);
                Assert.Equal(x.Shape.ToArray(), y.Shape.ToArray());
                TestTensors.AssertClose(ReferenceLayerNorm(x, weight, bias, 1e-6), y, 1e-5, 1e-5);
            }
        }
    }

    [Fact]
    public void LayerNormOfAConstantRowIsZero()
    {
        using var x = Tensor.FromArray([3f, 3f, 3f, 3f, 3f], 1, 5);
        using var y = Cpu.LayerNorm(x, null, null, 1e-6f);
        Assert.All(y.ToArray<float>(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void RmsNormMatchesTheDefinition(int width)
    {
        using var limit = SimdWidthCollection.Limit(width);
        int seed = 100;
        foreach (var (rows, d) in s_shapes)
        {
            using var x = TestTensors.Random(++seed, -3f, 3f, rows, 1, d);
            using var w = TestTensors.Random(++seed, d);
            using var y = Cpu.RmsNorm(x, w, 1e-6f);
            double[] xs = TestTensors.Values(x), ws = TestTensors.Values(w);
            double[] expected = new double[xs.Length];
            for (int r = 0; r < rows; r++)
            {
                double ms = 0;
                for (int i = 0; i < d; i++)
                {
                    ms += xs[(r * d) + i] * xs[(r * d) + i];
                }

                double rstd = 1 / Math.Sqrt((ms / d) + 1e-6);
                for (int i = 0; i < d; i++)
                {
                    expected[(r * d) + i] = xs[(r * d) + i] * rstd * ws[i];
                }
            }

            TestTensors.AssertClose(expected, y, 1e-5, 1e-6);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ModulateBroadcastsShiftAndScaleOverTokens(int width)
    {
        using var limit = SimdWidthCollection.Limit(width);
        int seed = 200;
        foreach (var (batch, tokens, d) in new[] { (1, 1, 1), (2, 3, 5), (2, 7, 17), (3, 5, 64), (2, 300, 1000), (1, 4, 3072) })
        {
            using var x = TestTensors.Random(++seed, batch, tokens, d);
            foreach (bool middleOne in new[] { false, true })
            {
                foreach (int paramBatch in new[] { batch, 1 })
                {
                    int[] paramShape = middleOne ? [paramBatch, 1, d] : [paramBatch, d];
                    using var shift = TestTensors.Random(++seed, paramShape);
                    using var scale = TestTensors.Random(++seed, paramShape);
                    using var y = Cpu.Modulate(x, shift, scale);
                    double[] xs = TestTensors.Values(x), sh = TestTensors.Values(shift), sc = TestTensors.Values(scale);
                    double[] expected = new double[xs.Length];
                    for (int b = 0; b < batch; b++)
                    {
                        int pb = paramBatch == 1 ? 0 : b;
                        for (int l = 0; l < tokens; l++)
                        {
                            for (int i = 0; i < d; i++)
                            {
                                int at = (((b * tokens) + l) * d) + i;
                                expected[at] = (xs[at] * (1 + sc[(pb * d) + i])) + sh[(pb * d) + i];
                            }
                        }
                    }

                    TestTensors.AssertClose(expected, y, 1e-6, 1e-6);
                }
            }
        }
    }

    [Fact]
    public void NormsRejectMismatchedShapes()
    {
        using var x = TestTensors.Random(1, 2, 3, 8);
        using var w7 = TestTensors.Random(2, 7);
        using var w8 = TestTensors.Random(2, 8);
        using var badShift = TestTensors.Random(3, 3, 8);
        using var shift = TestTensors.Random(3, 2, 8);
        using var ints = Tensor.Zeros([2, 3, 8], DType.I32);
        Assert.Throws<ArgumentException>(() => Cpu.LayerNorm(x, w7, null, 1e-6f));
        Assert.Throws<ArgumentException>(() => Cpu.LayerNorm(x, null, w7, 1e-6f));
        Assert.Throws<ArgumentException>(() => Cpu.RmsNorm(x, w7, 1e-6f));
        Assert.Throws<ArgumentException>(() => Cpu.LayerNorm(ints, w8, null, 1e-6f));
        Assert.Throws<ArgumentException>(() => Cpu.Modulate(x, badShift, shift));
        Assert.Throws<ArgumentException>(() => Cpu.Modulate(x, shift, badShift));
        Assert.Throws<ArgumentException>(() => Cpu.Modulate(w8, shift, shift));
    }

    private static double[] ReferenceLayerNorm(Tensor x, Tensor? weight, Tensor? bias, double eps)
    {
        int d = x.Shape[^1];
        int rows = (int)(x.Length / d);
        double[] xs = TestTensors.Values(x);
        double[]? ws = weight is null ? null : TestTensors.Values(weight);
        double[]? bs = bias is null ? null : TestTensors.Values(bias);
        double[] y = new double[xs.Length];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0, variance = 0;
            for (int i = 0; i < d; i++)
            {
                mean += xs[(r * d) + i];
            }

            mean /= d;
            for (int i = 0; i < d; i++)
            {
                variance += (xs[(r * d) + i] - mean) * (xs[(r * d) + i] - mean);
            }

            double rstd = 1 / Math.Sqrt((variance / d) + eps);
            for (int i = 0; i < d; i++)
            {
                y[(r * d) + i] = ((xs[(r * d) + i] - mean) * rstd * (ws?[i] ?? 1)) + (bs?[i] ?? 0);
            }
        }

        return y;
    }
}
