using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Tests.Cpu;

[Collection(SimdWidthCollection.Name)]
public sealed class ActivationKernelsTests
{
    private static readonly Activation[] s_activations =
        [Activation.None, Activation.SiLU, Activation.GeluTanh, Activation.GeluExact, Activation.QuickGelu, Activation.Relu];

    public static TheoryData<int> Widths => SimdWidthCollection.Widths;

    [Fact]
    public void ReferenceErfMatchesTabulatedValues()
    {
        // Published values (Abramowitz & Stegun table 7.1 and its extensions) check the test's own reference.
        Assert.Equal(0.8427007929497149, ScalarReference.Erf(1.0), 15);
        Assert.Equal(0.1124629160182849, ScalarReference.Erf(0.1), 15);
        Assert.Equal(2.209049699858544e-05, ScalarReference.Erfc(3.0), 1e-18);
        Assert.Equal(1.5374597944280349e-12, ScalarReference.Erfc(5.0), 1e-25);
        Assert.Equal(1.0, ScalarReference.Erfc(2.0) / 4.677734981047266e-03, 1e-12);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ErfIsWithinTwoUlpOfTheReference(int width)
    {
        using var limit = SimdWidthCollection.Limit(width);
        float[] x = Grid(-6f, 6f, 0.0007f);
        float[] got = new float[x.Length];
        ElementwiseMap.Run<ErfOperator>(x, got);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = ScalarReference.Erf(x[i]);
            Assert.True(UlpError(got[i], expected) <= 2, $"erf({x[i]:R}) = {got[i]:R}, expected {expected:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ExpIsWithinOneUlpAndHandlesTheRangeEnds(int width)
    {
        using var limit = SimdWidthCollection.Limit(width);
        float[] x = Grid(-87f, 88.7f, 0.0031f);
        float[] got = new float[x.Length];
        ElementwiseMap.Run<ExpOperator>(x, got);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(UlpError(got[i], Math.Exp(x[i])) <= 1, $"exp({x[i]:R}) = {got[i]:R}");
        }

        float[] edges = [89f, float.PositiveInfinity, -105f, float.NegativeInfinity, float.NaN, 0f, -0f, -88f, -100f];
        float[] edgeOut = new float[edges.Length];
        ElementwiseMap.Run<ExpOperator>(edges, edgeOut);
        Assert.Equal(float.PositiveInfinity, edgeOut[0]);
        Assert.Equal(float.PositiveInfinity, edgeOut[1]);
        Assert.Equal(0f, edgeOut[2]);
        Assert.Equal(0f, edgeOut[3]);
        Assert.True(float.IsNaN(edgeOut[4]));
        Assert.Equal(1f, edgeOut[5]);
        Assert.Equal(1f, edgeOut[6]);
        Assert.True(UlpError(edgeOut[7], Math.Exp(-88)) <= 1, "subnormal result");
        Assert.True(UlpError(edgeOut[8], Math.Exp(-100)) <= 1, "deep subnormal result");
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ActivationsAreWithinAFewUlpOfDoubleReferences(int width)
    {
        using var limit = SimdWidthCollection.Limit(width);
        float[] x = Grid(-30f, 30f, 0.00293f);
        float[] got = new float[x.Length];
        foreach (var activation in s_activations)
        {
            ActivationKernels.Apply(x, got, activation);
            for (int i = 0; i < x.Length; i++)
            {
                double expected = ScalarReference.Activate(x[i], activation);
                double error = UlpError(got[i], expected);

                // A few ulp, plus what the rounding of intermediate arguments unavoidably costs where the function is
                // ill-conditioned (the far negative tails, where e.g. GELU's exponent reaches ~100): cond(x)·ulp.
                double allowed = 4 + ConditionNumber(x[i], activation);

                // Results below the normal float range may flush to zero (the exponentials saturate there).
                bool flushed = Math.Abs(expected) < 1e-37 && Math.Abs(got[i]) < 1e-37;
                Assert.True(error <= allowed || flushed, $"{activation}({x[i]:R}) = {got[i]:R}, expected {expected:R} ({error} ulp)");
            }
        }
    }

    [Fact]
    public void SpecialValuesFollowPyTorch()
    {
        float[] x = [float.NaN, float.PositiveInfinity, 0f];
        foreach (var activation in s_activations)
        {
            float[] y = (float[])x.Clone();
            ActivationKernels.Apply(y, activation);
            Assert.True(float.IsNaN(y[0]), $"{activation}(NaN)");
            Assert.Equal(float.PositiveInfinity, y[1]);
            Assert.Equal(0f, y[2]);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void EveryWidthGivesTheScalarBitsAtEveryLength(int width)
    {
        var random = new Random(1234);
        for (int length = 0; length <= 150; length++)
        {
            float[] x = new float[length];
            for (int i = 0; i < length; i++)
            {
                x[i] = (float)((random.NextDouble() * 16) - 8);
            }

            foreach (var activation in s_activations)
            {
                float[] expected = new float[length];
                using (SimdWidthCollection.Limit((int)SimdWidth.Scalar))
                {
                    ActivationKernels.Apply(x, expected, activation);
                }

                float[] got = (float[])x.Clone();
                using (SimdWidthCollection.Limit(width))
                {
                    ActivationKernels.Apply(got, activation);
                }

                Assert.Equal(expected, got);
            }
        }
    }

    [Fact]
    public void RejectsShortDestinationAndUnknownActivation()
    {
        float[] x = new float[8];
        Assert.Throws<ArgumentException>(() => ActivationKernels.Apply(x, new float[7], Activation.SiLU));
        Assert.Throws<ArgumentException>(() => ActivationKernels.Apply(x, new float[7], Activation.None));
        Assert.Throws<ArgumentOutOfRangeException>(() => ActivationKernels.Apply(x, (Activation)200));
    }

    private static float[] Grid(float from, float to, float step)
    {
        var values = new List<float>();
        for (double v = from; v <= to; v += step)
        {
            values.Add((float)v);
        }

        values.AddRange([1e-30f, -1e-30f, 1e-6f, -1e-6f, 0.999999f, -0.999999f, 1f, -1f, 1.0000001f]);
        return [.. values];
    }

    private static double ConditionNumber(double x, Activation activation)
    {
        double f = ScalarReference.Activate(x, activation);
        if (x == 0 || f == 0)
        {
            return 0;
        }

        double h = Math.Abs(x) * 1e-7;
        double derivative = (ScalarReference.Activate(x + h, activation) - ScalarReference.Activate(x - h, activation)) / (2 * h);
        return Math.Abs(x * derivative / f);
    }

    private static double UlpError(float got, double expected)
    {
        if (double.IsNaN(expected))
        {
            return float.IsNaN(got) ? 0 : double.PositiveInfinity;
        }

        float rounded = (float)expected;
        float magnitude = MathF.Abs(rounded);
        float ulp = float.IsInfinity(magnitude) ? float.MaxValue : MathF.BitIncrement(magnitude) - magnitude;
        return Math.Abs(got - expected) / ulp;
    }

    private readonly struct ErfOperator : IUnaryFloatOperator
    {
        public static T Invoke<T>(T x)
            where T : struct, ISimdFloat<T> => SimdMath.Erf(x);
    }

    private readonly struct ExpOperator : IUnaryFloatOperator
    {
        public static T Invoke<T>(T x)
            where T : struct, ISimdFloat<T> => SimdMath.Exp(x);
    }
}
