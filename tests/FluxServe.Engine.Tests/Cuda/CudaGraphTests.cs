using FluxServe.Engine.Numerics;

namespace FluxServe.Engine.Tests.Cuda;

[Collection(CudaCollection.Name)]
public sealed class CudaGraphTests
{
    [CudaFact]
    public void AReplayedGraphComputesWhatTheOperationsCompute()
    {
        var backend = CudaTestDevice.BF16;
        using var w = CudaCheck.Upload(backend, CudaCheck.HostRandom(101, DType.BF16, 64, 96));
        using var b = CudaCheck.Upload(backend, CudaCheck.HostRandom(102, DType.BF16, 64));
        using var x = CudaCheck.Upload(backend, CudaCheck.HostRandom(103, DType.BF16, 33, 96));
        Tensor Step()
        {
            using var h = backend.Linear(x, w, b, Activation.GeluTanh);
            using var s = backend.Softmax(h);
            return backend.Binary(s, h, BinaryOp.Multiply);
        }

        using var eager = Step();
        float[] expected = CudaCheck.Download(backend, eager);

        Tensor? captured = null;
        using var graph = backend.Capture(() => captured = Step());
        using (captured)
        {
            for (int replay = 0; replay < 3; replay++)
            {
                graph.Launch();
                CudaCheck.AssertClose(expected, CudaCheck.Download(backend, captured!), CudaTolerance.F32.Times(0), $"replay {replay}");
            }

            // New input values (copied in outside the graph) flow through the next replay.
            using var other = CudaCheck.HostRandom(104, DType.BF16, 33, 96);
            using var otherBf16 = Tensor.Empty([33, 96], DType.BF16);
            FloatConversion.FromSingle(other.AsSpan<float>(), DType.BF16, otherBf16.AsBytes());
            backend.CopyInto(otherBf16, x);
            using var eagerOther = Step();
            graph.Launch();
            CudaCheck.AssertClose(CudaCheck.Download(backend, eagerOther), CudaCheck.Download(backend, captured!), CudaTolerance.F32.Times(0), "replay with new input");
        }
    }

    [CudaFact]
    public void CapturingAHostCopyFailsCleanlyAndLeavesTheStreamUsable()
    {
        var backend = CudaTestDevice.F32;
        using var x = CudaCheck.Upload(backend, CudaCheck.HostRandom(105, DType.F32, 8));
        Assert.ThrowsAny<Exception>(() => backend.Capture(() => backend.Copy(x, Device.Cpu).Dispose()).Dispose());
        using var y = backend.Activate(x, Activation.Relu);
        Assert.Equal(8, CudaCheck.Download(backend, y).Length);
    }
}
