using FluxServe.Engine.Cuda;

namespace FluxServe.Engine.Tests.Cuda;

[Collection(CudaCollection.Name)]
public sealed class CudaConvTests
{
    [CudaTheory]
    [InlineData(DType.F32, new[] { 2, 3, 17, 19 }, new[] { 8, 3, 3, 3 }, 1, 1, true)]
    [InlineData(DType.F32, new[] { 1, 5, 16, 16 }, new[] { 4, 5, 3, 3 }, 2, 0, true)]   // the encoder's downsampling shape
    [InlineData(DType.F32, new[] { 2, 7, 9, 11 }, new[] { 6, 7, 1, 1 }, 1, 0, true)]
    [InlineData(DType.F32, new[] { 1, 3, 10, 10 }, new[] { 2, 3, 4, 4 }, 3, 2, false)]
    [InlineData(DType.BF16, new[] { 1, 128, 64, 64 }, new[] { 128, 128, 3, 3 }, 1, 1, true)]
    [InlineData(DType.BF16, new[] { 1, 16, 32, 32 }, new[] { 512, 16, 3, 3 }, 1, 1, true)]
    public void Conv2dMatchesTheCpu(DType activation, int[] input, int[] weight, int stride, int padding, bool withBias)
    {
        var backend = CudaTestDevice.For(activation);
        Check(backend, activation, input, weight, stride, padding, withBias);
    }

    [CudaFact]
    public void Conv2dGivesTheSameAnswerInSmallChunks()
    {
        Assert.True(CudaBackend.TryCreate(new CudaBackendOptions { ActivationDType = DType.F32, ConvolutionScratchBytes = 4096, PoisonAllocations = true }, out var backend, out string reason), reason);
        Check(backend, DType.F32, [2, 4, 13, 15], [5, 4, 3, 3], 1, 1, withBias: true);
    }

    [CudaTheory]
    [InlineData(DType.F32, 2)]
    [InlineData(DType.BF16, 2)]
    [InlineData(DType.U8, 3)]
    public void UpsampleNearestRepeatsPixels(DType dtype, int factor)
    {
        var backend = CudaTestDevice.F32;
        using var host = Tensor.Empty([2, 3, 5, 7], dtype);
        new Random(61).NextBytes(host.AsBytes());
        using var expected = CudaCheck.Cpu.UpsampleNearest(host, factor);
        using var device = backend.Copy(host, backend.Device);
        using var actual = backend.UpsampleNearest(device, factor);
        Assert.Equal(dtype, actual.DType);
        using var back = backend.Copy(actual, Device.Cpu);
        Assert.Equal(expected.Shape.ToArray(), back.Shape.ToArray());
        Assert.True(expected.AsBytes().SequenceEqual(back.AsBytes()));
    }

    private static void Check(CudaBackend backend, DType activation, int[] input, int[] weight, int stride, int padding, bool withBias)
    {
        if (CudaCheck.TooLargeForEmulation(Tensor.ComputeLength(input) * (double)weight[0] * weight[2] * weight[3] / stride / stride))
        {
            return;
        }

        using var x = CudaCheck.HostRandom(62, activation, input);
        using var w = CudaCheck.HostRandom(63, activation, -0.3f, 0.3f, weight);
        using var b = withBias ? CudaCheck.HostRandom(64, activation, weight[0]) : null;
        using var expected = CudaCheck.Cpu.Conv2d(x, w, b, stride, padding);
        using var dx = CudaCheck.Upload(backend, x);
        using var dw = CudaCheck.Upload(backend, w, DType.BF16 == activation ? DType.BF16 : DType.F32);
        using var db = b is null ? null : CudaCheck.Upload(backend, b, DType.F32);
        using var actual = backend.Conv2d(dx, dw, db, stride, padding);
        CudaCheck.AssertClose(expected, backend, actual, CudaTolerance.For(activation), $"conv2d {Tensor.FormatShape(input)} * {Tensor.FormatShape(weight)} s{stride} p{padding}");
    }
}
