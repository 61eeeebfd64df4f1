using FluxServe.Engine.Cuda;

namespace FluxServe.Engine.Tests.Cuda;

[Collection(CudaCollection.Name)]
public sealed class CudaTransferTests
{
    [CudaTheory]
    [InlineData(DType.F32, 1)]
    [InlineData(DType.BF16, 1001)]
    [InlineData(DType.F8E4M3FN, 77)]
    [InlineData(DType.I64, 33)]
    [InlineData(DType.U8, 1 << 20)]
    public void RoundTripKeepsEveryByte(DType dtype, int length)
    {
        var backend = CudaTestDevice.F32;
        using var host = Tensor.Empty([length], dtype);
        new Random(length).NextBytes(host.AsBytes());
        using var device = backend.Copy(host, backend.Device);
        Assert.Equal(backend.Device, device.Device);
        using var copy = backend.Copy(device, backend.Device);
        using var back = backend.Copy(copy, Device.Cpu);
        Assert.Equal(dtype, back.DType);
        Assert.True(host.AsBytes().SequenceEqual(back.AsBytes()));
    }

    [CudaFact]
    public void ZeroAllocationIsZero()
    {
        var backend = CudaTestDevice.F32; // poisons allocations, so a missing memset would show
        using var zeros = backend.Allocate([3, 1000], DType.F32, zero: true);
        Assert.All(CudaCheck.Download(backend, zeros), v => Assert.Equal(0f, v));
    }

    [CudaFact]
    public void DisposedTensorsGiveTheirMemoryBack()
    {
        var backend = CudaTestDevice.F32;
        backend.ClearParameterCache();
        CudaTestDevice.BF16.ClearParameterCache();
        backend.Synchronize();
        long before = backend.LiveBytes;
        using (var scope = TensorScope.Begin())
        {
            var x = CudaCheck.Upload(backend, CudaCheck.HostRandom(1, DType.F32, 64, 96));
            var w = CudaCheck.Upload(backend, CudaCheck.HostRandom(2, DType.F32, 48, 96));
            var y = backend.Linear(x, w, null, Activation.SiLU);
            var z = backend.Softmax(backend.Binary(y, y, BinaryOp.Multiply));
            _ = backend.LayerNorm(z, null, null, 1e-6f);
            Assert.True(backend.LiveBytes > before);
        }

        Assert.Equal(before, backend.LiveBytes);
    }

    [CudaFact]
    public void TensorToUsesTheRegisteredBackend()
    {
        var backend = CudaTestDevice.F32.Register();
        using var host = Tensor.FromArray([1f, 2f, 3f], 3);
        using var device = host.To(backend.Device);
        using var back = device.To(Device.Cpu);
        Assert.Equal([1f, 2f, 3f], back.ToArray<float>());
    }

    [CudaFact]
    public void AnOperandOnTheHostIsAClearError()
    {
        var backend = CudaTestDevice.F32;
        using var host = Tensor.FromArray([1f, 2f], 2);
        var error = Assert.Throws<ArgumentException>(() => backend.Activate(host, Activation.Relu));
        Assert.Contains("copy it with To(cuda:", error.Message, StringComparison.Ordinal);
    }
}
