using FluxServe.Engine.Cpu;

namespace FluxServe.Engine.Tests.Cpu;

[Collection(SimdWidthCollection.Name)]
public sealed class GroupNormAndUpsampleTests
{
    public static TheoryData<int> Widths => SimdWidthCollection.Widths;

    private static CpuBackend Cpu => CpuBackend.Instance;

    [Theory]
    [MemberData(nameof(Widths))]
    public void GroupNormMatchesTheDefinition(int width)
    {
        using var limit = SimdWidthCollection.Limit(width);
        int seed = 0;
        foreach (var (shape, groups) in new (int[], int)[]
        {
            ([1, 1, 1, 1], 1), ([2, 4, 3], 2), ([1, 6, 5, 7], 3), ([2, 32, 3, 5], 32), ([1, 64, 9, 11], 32),
            ([2, 8], 4), ([1, 32, 4, 4, 3], 8), ([1, 128, 33, 47], 32), ([2, 64, 70, 70], 32),
        })
        {
            int channels = shape[1];
            using var x = TestTensors.Random(++seed, -1f, 3f, shape);
            using var w = TestTensors.Random(++seed, channels);
            using var b = TestTensors.Random(++seed, channels);
            foreach (bool affine in new[] { true, false })
            {
                using var y = Cpu.GroupNorm(x, groups, affine ? w : null, affine ? b : null, 1e-6f);
                Assert.Equal(shape, y.Shape.ToArray());
                double[] xs = TestTensors.Values(x), ws = TestTensors.Values(w), bs = TestTensors.Values(b);
                int batch = shape[0];
                int spatial = (int)(x.Length / batch / channels);
                int perGroup = channels / groups * spatial;
                double[] expected = new double[xs.Length];
                for (int n = 0; n < batch * groups; n++)
                {
                    int start = n * perGroup;
                    double mean = 0, variance = 0;
                    for (int i = 0; i < perGroup; i++)
                    {
                        mean += xs[start + i];
                    }

                    mean /= perGroup;
                    for (int i = 0; i < perGroup; i++)
                    {
                        variance += (xs[start + i] - mean) * (xs[start + i] - mean);
                    }

                    double rstd = 1 / Math.Sqrt((variance / perGroup) + 1e-6);
                    for (int i = 0; i < perGroup; i++)
                    {
                        int channel = (start + i) / spatial % channels;
                        double normalized = (xs[start + i] - mean) * rstd;
                        expected[start + i] = affine ? (normalized * ws[channel]) + bs[channel] : normalized;
                    }
                }

                TestTensors.AssertClose(expected, y, 1e-5, 1e-5);
            }
        }
    }

    [Fact]
    public void GroupNormRejectsBadGroupsAndParameters()
    {
        using var x = TestTensors.Random(1, 1, 6, 2, 2);
        using var w5 = TestTensors.Random(2, 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.GroupNorm(x, 4, null, null, 1e-6f));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.GroupNorm(x, 0, null, null, 1e-6f));
        Assert.Throws<ArgumentException>(() => Cpu.GroupNorm(x, 3, w5, null, 1e-6f));
        Assert.Throws<ArgumentException>(() => Cpu.GroupNorm(w5, 1, null, null, 1e-6f));
    }

    [Fact]
    public void UpsampleCopiesEachPixelIntoAFactorByFactorBlock()
    {
        int seed = 50;
        foreach (var dtype in new[] { DType.F32, DType.BF16, DType.U8, DType.I64 })
        {
            foreach (var (shape, factor) in new (int[], int)[] { ([1, 1, 1, 1], 2), ([1, 2, 3, 5], 2), ([2, 3, 4, 3], 3), ([1, 1, 2, 2], 1), ([1, 16, 40, 33], 2) })
            {
                using var x = Tensor.Empty(shape, dtype);
                new Random(++seed).NextBytes(x.AsBytes());
                using var y = Cpu.UpsampleNearest(x, factor);
                int h = shape[2], w = shape[3];
                Assert.Equal([shape[0], shape[1], h * factor, w * factor], y.Shape.ToArray());
                int size = dtype.SizeOf();
                byte[] xb = x.AsBytes().ToArray(), yb = y.AsBytes().ToArray();
                for (long n = 0; n < y.Length; n++)
                {
                    long col = n % (w * factor), row = n / (w * factor) % (h * factor), plane = n / (w * factor * h * factor);
                    long source = (plane * h * w) + (row / factor * w) + (col / factor);
                    Assert.True(xb.AsSpan((int)(source * size), size).SequenceEqual(yb.AsSpan((int)(n * size), size)), $"element {n}");
                }
            }
        }
    }

    [Fact]
    public void UpsampleRejectsBadArguments()
    {
        using var x = Tensor.Zeros([1, 2, 3]);
        using var image = Tensor.Zeros([1, 1, 2, 2]);
        Assert.Throws<ArgumentException>(() => Cpu.UpsampleNearest(x, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.UpsampleNearest(image, 0));
    }
}
