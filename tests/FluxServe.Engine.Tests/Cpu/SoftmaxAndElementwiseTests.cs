using FluxServe.Engine.Cpu;

namespace FluxServe.Engine.Tests.Cpu;

[Collection(SimdWidthCollection.Name)]
public sealed class SoftmaxAndElementwiseTests
{
    public static TheoryData<int> Widths => SimdWidthCollection.Widths;

    private static CpuBackend Cpu => CpuBackend.Instance;

    [Theory]
    [MemberData(nameof(Widths))]
    public void SoftmaxMatchesTheDefinition(int width)
    {
        using var limit = SimdWidthCollection.Limit(width);
        int seed = 0;
        foreach (var (rows, d) in new[] { (1, 1), (2, 2), (3, 5), (4, 16), (2, 17), (3, 33), (5, 77), (2, 4096), (130, 4101) })
        {
            using var x = TestTensors.Random(++seed, -30f, 30f, rows, d);
            using var y = Cpu.Softmax(x);
            double[] xs = TestTensors.Values(x);
            double[] expected = new double[xs.Length];
            for (int r = 0; r < rows; r++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int i = 0; i < d; i++)
                {
                    max = Math.Max(max, xs[(r * d) + i]);
                }

                for (int i = 0; i < d; i++)
                {
                    sum += Math.Exp(xs[(r * d) + i] - max);
                }

                for (int i = 0; i < d; i++)
                {
                    expected[(r * d) + i] = Math.Exp(xs[(r * d) + i] - max) / sum;
                }
            }

            TestTensors.AssertClose(expected, y, 2e-6, 1e-12);
        }
    }

    [Fact]
    public void SoftmaxHandlesMinusInfinityAndLargeValues()
    {
        using var x = Tensor.FromArray([float.NegativeInfinity, 1000f, 1000f, float.NegativeInfinity], 1, 4);
        using var y = Cpu.Softmax(x);
        Assert.Equal([0f, 0.5f, 0.5f, 0f], y.ToArray<float>());
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ActivateAndAffineMatchTheirDefinitions(int width)
    {
        using var limit = SimdWidthCollection.Limit(width);
        // Lengths below one register, with tails, and above the parallel chunking (2^14 elements per chunk).
        foreach (int n in new[] { 1, 3, 16, 37, 1000, 40_000, 300_001 })
        {
            using var x = TestTensors.Random(n, -8f, 8f, n);
            double[] xs = TestTensors.Values(x);
            foreach (var activation in new[] { Activation.None, Activation.SiLU, Activation.GeluTanh, Activation.GeluExact, Activation.QuickGelu, Activation.Relu })
            {
                using var y = Cpu.Activate(x, activation);
                // Tails such as tanh-GELU near −8 are ill-conditioned in float (see ActivationKernelsTests for the ulp bounds).
                TestTensors.AssertClose([.. xs.Select(v => ScalarReference.Activate(v, activation))], y, 2e-5, 1e-30);
            }

            using var a = Cpu.Affine(x, -1.5f, 0.25f);
            TestTensors.AssertClose([.. xs.Select(v => (v * -1.5) + 0.25)], a, 1e-7, 1e-7);
        }
    }

    [Fact]
    public void ActivateKeepsTheShape()
    {
        using var x = TestTensors.Random(5, 2, 3, 4);
        using var y = Cpu.Activate(x, Activation.SiLU);
        Assert.Equal([2, 3, 4], y.Shape.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.Activate(x, (Activation)99));
    }
}
