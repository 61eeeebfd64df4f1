using FluxServe.Pipelines.Sampling;

namespace FluxServe.Pipelines.Tests.Sampling;

/// <summary>Every vector width of <see cref="LatentMath"/> against a scalar reference, over lengths that exercise the tails.</summary>
[Collection(nameof(LatentMathWidthCollection))]
public sealed class LatentMathTests
{
    public static TheoryData<int> Widths => new() { 0, 128, 256, 512 };

    [Theory]
    [MemberData(nameof(Widths))]
    public void Combine_rounds_each_term_like_the_scalar_reference(int bits)
    {
        var random = new Random(bits + 1);
        int saved = LatentMath.MaxVectorBits;
        try
        {
            LatentMath.MaxVectorBits = bits;
            for (int n = 0; n <= 70; n++)
            {
                float[] x = Values(random, n), y = Values(random, n), z = Values(random, n), w = Values(random, n);
                const float A = 0.7f, B = -1.3f, C = 2.5f, D = 0.01f;
                var dst = new float[n];
                LatentMath.Combine(dst, A, x, B, y, C, z, D, w);
                for (int i = 0; i < n; i++)
                {
                    float expected = (A * x[i]) + (B * y[i]);
                    expected += C * z[i];
                    expected += D * w[i];
                    Assert.Equal(expected, dst[i]);
                }

                LatentMath.Combine(dst, A, x, B, y);
                for (int i = 0; i < n; i++)
                {
                    Assert.Equal((A * x[i]) + (B * y[i]), dst[i]);
                }

                LatentMath.Derivative(dst, x, y, 0.003f);
                for (int i = 0; i < n; i++)
                {
                    Assert.Equal((x[i] - y[i]) / 0.003f, dst[i]);
                }
            }
        }
        finally
        {
            LatentMath.MaxVectorBits = saved;
        }
    }

    [Fact]
    public void Mismatched_lengths_are_rejected() =>
        Assert.Throws<ArgumentException>(() => LatentMath.Combine(new float[3], 1f, new float[3], 1f, new float[2]));

    private static float[] Values(Random random, int n)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = (float)((random.NextDouble() * 8) - 4);
        }

        return v;
    }
}

/// <summary>Tests that change <see cref="LatentMath.MaxVectorBits"/> run one at a time.</summary>
[CollectionDefinition(nameof(LatentMathWidthCollection), DisableParallelization = true)]
public sealed class LatentMathWidthCollection;
