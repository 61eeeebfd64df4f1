namespace FluxServe.Engine.Tests.Cuda;

[Collection(CudaCollection.Name)]
public sealed class CudaRandomTests
{
    [CudaFact]
    public void FillNormalHasTheRequestedMomentsAndIsDeterministic()
    {
        var backend = CudaTestDevice.F32;
        using var a = backend.Allocate([1 << 20], DType.F32, zero: false);
        using var b = backend.Allocate([1 << 20], DType.F32, zero: false);
        backend.FillNormal(a, 42, mean: 1.5f, standardDeviation: 2f);
        backend.FillNormal(b, 42, mean: 1.5f, standardDeviation: 2f);
        float[] x = CudaCheck.Download(backend, a);
        Assert.Equal(x, CudaCheck.Download(backend, b));
        double mean = x.Average(v => (double)v);
        double variance = x.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, 1.49, 1.51);
        Assert.InRange(Math.Sqrt(variance), 1.99, 2.01);
        Assert.All(x, v => Assert.True(float.IsFinite(v)));
    }

    [CudaFact]
    public void FillUniformAndFillValueStayInRange()
    {
        var backend = CudaTestDevice.BF16;
        using var u = backend.Allocate([100_003], DType.BF16, zero: false);
        backend.FillUniform(u, 7, -3f, 5f);
        float[] values = CudaCheck.Download(backend, u);
        Assert.All(values, v => Assert.InRange(v, -3f, 5f));
        Assert.InRange(values.Average(v => (double)v), 0.95, 1.05);
        backend.FillValue(u, 0.25f);
        Assert.All(CudaCheck.Download(backend, u), v => Assert.Equal(0.25f, v));
    }
}
