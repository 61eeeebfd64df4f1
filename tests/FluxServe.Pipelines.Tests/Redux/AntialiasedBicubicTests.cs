using FluxServe.Pipelines.Redux;

namespace FluxServe.Pipelines.Tests.Redux;

/// <summary>
/// The float resampler of ComfyUI mode against PyTorch 1.13's <c>interpolate(bicubic, antialias=True)</c> (golden
/// values) and against a scalar double implementation of the spec's formula (spec/redux.md §3) written here.
/// </summary>
public sealed class AntialiasedBicubicTests
{
    public static TheoryData<string> TorchCases() => [.. ReduxTestData.Cases("torch").Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(TorchCases))]
    public void Matches_pytorch(string name)
    {
        var c = ReduxTestData.Cases("torch").Single(x => x.Name == name);
        float[] actual = Resize(c.Height, c.Width, c.OutHeight, c.OutWidth, c.Seed);
        using var expected = ReduxTestData.Golden(name);
        float[] e = expected.ToArray<float>();
        Assert.Equal(e.Length, actual.Length);

        // The same algorithm in float32; PyTorch's compiled kernel rounds differently in the last bits (values in [0, 1]
        // up to the filter's overshoot differ by a few ulps: observed ≤ 3e-7).
        for (int i = 0; i < e.Length; i++)
        {
            Assert.True(MathF.Abs(actual[i] - e[i]) <= 1e-6f, $"{name}[{i}]: {actual[i]} vs PyTorch {e[i]}");
        }
    }

    [Theory]
    [InlineData(40, 30, 17, 23)]
    [InlineData(7, 300, 5, 11)]
    [InlineData(1, 1, 9, 4)]
    [InlineData(33, 64, 33, 64)]
    [InlineData(2, 3, 384, 384)]
    [InlineData(600, 450, 512, 384)]
    public void Matches_a_scalar_double_implementation_of_the_spec(int height, int width, int outHeight, int outWidth)
    {
        float[] actual = Resize(height, width, outHeight, outWidth, seed: 3);
        float[] source = ReduxTestData.PatternPlanes(height, width, 3);
        var rows = SpecWeights(height, outHeight);
        var columns = SpecWeights(width, outWidth);
        for (int c = 0; c < 3; c++)
        {
            for (int oy = 0; oy < outHeight; oy++)
            {
                for (int ox = 0; ox < outWidth; ox++)
                {
                    double sum = 0;
                    foreach (var (y, wy) in rows[oy])
                    {
                        foreach (var (x, wx) in columns[ox])
                        {
                            sum += wy * wx * source[(((c * height) + y) * width) + x];
                        }
                    }

                    float a = actual[(((c * outHeight) + oy) * outWidth) + ox];
                    Assert.True(Math.Abs(a - sum) <= 2e-6, $"[{c},{oy},{ox}]: {a} vs {sum}");
                }
            }
        }
    }

    [Fact]
    public void Every_vector_width_gives_the_same_bits()
    {
        float[] reference = Resize(121, 90, 47, 71, seed: 5);
        int saved = AntialiasedBicubic.VectorBitsLimit;
        try
        {
            foreach (int bits in (int[])[256, 128, 0])
            {
                AntialiasedBicubic.VectorBitsLimit = bits;
                Assert.Equal(reference, Resize(121, 90, 47, 71, seed: 5));
            }
        }
        finally
        {
            AntialiasedBicubic.VectorBitsLimit = saved;
        }
    }

    [Fact]
    public void Kernel_is_keys_cubic_with_a_minus_one_half()
    {
        Assert.Equal(1f, AntialiasedBicubic.Kernel(0f));
        Assert.Equal(0f, AntialiasedBicubic.Kernel(1f));
        Assert.Equal(0f, AntialiasedBicubic.Kernel(-2f));
        Assert.Equal(0.5625f, AntialiasedBicubic.Kernel(0.5f));   // 1.5·⅛ − 2.5·¼ + 1
        Assert.Equal(-0.0625f, AntialiasedBicubic.Kernel(1.5f));  // −0.5·(3.375 − 11.25 + 12 − 4)
        for (double t = -2.5; t <= 2.5; t += 0.01)
        {
            double a = Math.Abs(t), k = a <= 1 ? (1.5 * a * a * a) - (2.5 * a * a) + 1 : a < 2 ? (-0.5 * a * a * a) + (2.5 * a * a) - (4 * a) + 2 : 0;
            Assert.True(Math.Abs(AntialiasedBicubic.Kernel((float)t) - k) <= 1e-6, $"k({t})");
        }
    }

    private static float[] Resize(int height, int width, int outHeight, int outWidth, int seed)
    {
        float[] source = ReduxTestData.PatternPlanes(height, width, seed);
        float[] destination = new float[3 * outHeight * outWidth];
        AntialiasedBicubic.Resize(source, 3, height, width, destination, outHeight, outWidth);
        return destination;
    }

    // spec/redux.md §3, in double: scale = in/out, support = 2·max(scale, 1), center = scale·(i + 0.5), taps
    // [max(0, trunc(center − support + 0.5)), min(in, trunc(center + support + 0.5))), weight
    // k((j − center + 0.5)/max(scale, 1)) with Keys' a = −0.5, normalised to sum 1.
    private static List<(int Index, double Weight)>[] SpecWeights(int inSize, int outSize)
    {
        static double K(double t)
        {
            const double A = -0.5;
            t = Math.Abs(t);
            return t <= 1 ? ((A + 2) * t * t * t) - ((A + 3) * t * t) + 1 : t < 2 ? (A * t * t * t) - (5 * A * t * t) + (8 * A * t) - (4 * A) : 0;
        }

        double scale = (double)inSize / outSize, stretch = Math.Max(scale, 1);
        double support = 2 * stretch;
        var result = new List<(int, double)>[outSize];
        for (int i = 0; i < outSize; i++)
        {
            double center = scale * (i + 0.5);
            int first = Math.Max(0, (int)Math.Truncate(center - support + 0.5));
            int end = Math.Min(inSize, (int)Math.Truncate(center + support + 0.5));
            var taps = new List<(int, double)>();
            for (int j = first; j < end; j++)
            {
                taps.Add((j, K((j - center + 0.5) / stretch)));
            }

            double total = taps.Sum(t => t.Item2);
            result[i] = [.. taps.Select(t => (t.Item1, t.Item2 / total))];
        }

        return result;
    }
}
