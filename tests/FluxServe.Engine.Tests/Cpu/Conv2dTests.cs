using FluxServe.Engine.Cpu;
using FluxServe.Engine.Numerics;

namespace FluxServe.Engine.Tests.Cpu;

public sealed class Conv2dTests
{
    private static CpuBackend Cpu => CpuBackend.Instance;

    public static TheoryData<int, int, int, int, int, int, int, int> Cases => new()
    {
        // batch, channels, height, width, out channels, kernel, stride, padding
        { 1, 1, 1, 1, 1, 1, 1, 0 },
        { 1, 3, 5, 7, 4, 3, 1, 1 },       // VAE 3×3, odd sizes
        { 2, 5, 6, 9, 3, 3, 1, 1 },
        { 1, 4, 8, 8, 6, 1, 1, 0 },       // 1×1 (direct GEMM)
        { 2, 3, 7, 5, 2, 1, 2, 1 },       // 1×1 with stride and padding (im2col path)
        { 1, 4, 9, 8, 5, 3, 2, 0 },       // VAE downsample conv (after its own asymmetric pad)
        { 1, 2, 10, 11, 3, 3, 2, 1 },
        { 1, 3, 28, 42, 4, 14, 14, 0 },   // SigLIP patch embedding
        { 1, 2, 6, 6, 2, 5, 1, 2 },
        { 1, 2, 3, 3, 2, 3, 1, 3 },       // padding larger than the image edge contributions
        { 1, 64, 40, 70, 8, 3, 1, 1 },    // several im2col tiles
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheDirectSum(int batch, int channels, int height, int width, int outChannels, int kernel, int stride, int padding)
    {
        int seed = (batch * 1000) + (channels * 100) + kernel;
        using var x = TestTensors.Random(seed, batch, channels, height, width);
        using var w = TestTensors.Random(seed + 1, outChannels, channels, kernel, kernel);
        using var b = TestTensors.Random(seed + 2, outChannels);
        foreach (bool withBias in new[] { true, false })
        {
            using var y = Cpu.Conv2d(x, w, withBias ? b : null, stride, padding);
            var (shape, expected) = Reference(x, w, withBias ? b : null, stride, padding);
            Assert.Equal(shape, y.Shape.ToArray());
            TestTensors.AssertClose(expected, y, 1e-5, 1e-5);
        }
    }

    [Fact]
    public void WidensBf16Weights()
    {
        using var x = TestTensors.Random(1, 1, 3, 6, 6);
        using var w = TestTensors.Random(2, 4, 3, 3, 3);
        using var wBf16 = Cpu.Cast(w, DType.BF16);
        using var wRounded = Cpu.Cast(wBf16, DType.F32);
        using var b = TestTensors.Random(3, 4);
        using var y = Cpu.Conv2d(x, wBf16, b, 1, 1);
        var (_, expected) = Reference(x, wRounded, b, 1, 1);
        TestTensors.AssertClose(expected, y, 1e-5, 1e-5);
    }

    [Fact]
    public void RejectsBadShapes()
    {
        using var x = TestTensors.Random(1, 1, 3, 4, 4);
        using var wrongChannels = TestTensors.Random(2, 2, 2, 3, 3);
        using var tooBig = TestTensors.Random(3, 2, 3, 7, 7);
        using var w = TestTensors.Random(4, 2, 3, 3, 3);
        using var wrongBias = TestTensors.Random(5, 3);
        using var intWeight = Tensor.Zeros([2, 3, 3, 3], DType.I32);
        Assert.Throws<ArgumentException>(() => Cpu.Conv2d(x, wrongChannels, null, 1, 1));
        Assert.Throws<ArgumentException>(() => Cpu.Conv2d(x, tooBig, null, 1, 1));
        Assert.Throws<ArgumentException>(() => Cpu.Conv2d(x, w, wrongBias, 1, 1));
        Assert.Throws<ArgumentException>(() => Cpu.Conv2d(x, intWeight, null, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.Conv2d(x, w, null, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.Conv2d(x, w, null, 1, -1));
    }

    private static (int[] Shape, double[] Values) Reference(Tensor x, Tensor w, Tensor? bias, int stride, int padding)
    {
        int batch = x.Shape[0], channels = x.Shape[1], height = x.Shape[2], width = x.Shape[3];
        int outChannels = w.Shape[0], kh = w.Shape[2], kw = w.Shape[3];
        int outHeight = ((height + (2 * padding) - kh) / stride) + 1, outWidth = ((width + (2 * padding) - kw) / stride) + 1;
        double[] xs = TestTensors.Values(x), ws = TestTensors.Values(w);
        double[]? bs = bias is null ? null : TestTensors.Values(bias);
        double[] y = new double[batch * outChannels * outHeight * outWidth];
        for (int b = 0; b < batch; b++)
        {
            for (int o = 0; o < outChannels; o++)
            {
                for (int oy = 0; oy < outHeight; oy++)
                {
                    for (int ox = 0; ox < outWidth; ox++)
                    {
                        double sum = bs?[o] ?? 0;
                        for (int c = 0; c < channels; c++)
                        {
                            for (int ky = 0; ky < kh; ky++)
                            {
                                for (int kx = 0; kx < kw; kx++)
                                {
                                    int iy = (oy * stride) + ky - padding, ix = (ox * stride) + kx - padding;
                                    if (iy >= 0 && iy < height && ix >= 0 && ix < width)
                                    {
                                        sum += xs[(((((b * channels) + c) * height) + iy) * width) + ix] * ws[(((((o * channels) + c) * kh) + ky) * kw) + kx];
                                    }
                                }
                            }
                        }

                        y[(((((b * outChannels) + o) * outHeight) + oy) * outWidth) + ox] = sum;
                    }
                }
            }
        }

        return ([batch, outChannels, outHeight, outWidth], y);
    }
}
