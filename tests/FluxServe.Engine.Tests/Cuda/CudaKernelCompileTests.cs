namespace FluxServe.Engine.Tests.Cuda;

/// <summary>Every embedded module compiles with NVRTC for this GPU and loads (the first step of a GPU run).</summary>
[Collection(CudaCollection.Name)]
public sealed class CudaKernelCompileTests
{
    [CudaFact]
    public void EveryModuleCompilesAndLoads()
    {
        var reports = CudaTestDevice.F32.CompileKernels();
        Assert.NotEmpty(reports);
        var failed = reports.Where(r => !r.Succeeded).Select(r => $"{r.Module}: {r.Log}").ToList();
        Assert.True(failed.Count == 0, string.Join(Environment.NewLine, failed));
    }
}
