namespace FluxServe.Engine.Tests.Cpu;

/// <summary>Random inputs and tolerance checks for the CPU operation tests.</summary>
internal static class TestTensors
{
    /// <summary>A float32 tensor of the given shape with values uniform in [low, high).</summary>
    public static Tensor Random(int seed, float low, float high, params int[] shape)
    {
        var random = new Random(seed);
        float[] data = new float[Tensor.ComputeLength(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = low + ((high - low) * (float)random.NextDouble());
        }

        return Tensor.FromArray(data, shape);
    }

    /// <summary>A float32 tensor with values uniform in [−1, 1).</summary>
    public static Tensor Random(int seed, params int[] shape) => Random(seed, -1f, 1f, shape);

    /// <summary>The tensor's values widened to double.</summary>
    public static double[] Values(Tensor t)
    {
        float[] f = t.ToArray<float>();
        double[] d = new double[f.Length];
        for (int i = 0; i < f.Length; i++)
        {
            d[i] = f[i];
        }

        return d;
    }

    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| everywhere, naming the first bad index.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, Tensor actual, double rtol, double atol)
    {
        Assert.Equal(DType.F32, actual.DType);
        float[] got = actual.ToArray<float>();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++)
        {
            double e = expected[i];
            double g = got[i];
            bool ok = double.IsNaN(e) ? double.IsNaN(g) : Math.Abs(g - e) <= atol + (rtol * Math.Abs(e)) || g == e;
            Assert.True(ok, $"element {i}: got {g:R}, expected {e:R} (shape {Tensor.FormatShape(actual.Shape)})");
        }
    }

    /// <summary>Row-major strides of a shape.</summary>
    public static long[] Strides(ReadOnlySpan<int> shape)
    {
        long[] strides = new long[shape.Length];
        long s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= shape[i];
        }

        return strides;
    }
}
