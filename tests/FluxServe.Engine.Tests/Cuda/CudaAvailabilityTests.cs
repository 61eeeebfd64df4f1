using FluxServe.Engine.Cuda;

namespace FluxServe.Engine.Tests.Cuda;

/// <summary>Runs everywhere: without a GPU the backend must say why, never throw.</summary>
[Collection(CudaCollection.Name)]
public sealed class CudaAvailabilityTests
{
    [Fact]
    public void TryCreateEitherSucceedsOrGivesAReason()
    {
        bool created = CudaBackend.TryCreate(out var backend, out string reason);
        if (created)
        {
            Assert.NotNull(backend);
            Assert.Equal(DeviceKind.Cuda, backend.Device.Kind);
            Assert.Equal(DType.BF16, backend.ActivationDType);
            Assert.True(backend.Info.ComputeCapability >= 50, backend.Info.ToString());
        }
        else
        {
            Assert.Null(backend);
            Assert.False(string.IsNullOrWhiteSpace(reason));
            Assert.False(CudaTestDevice.Required, "FLUXSERVE_REQUIRE_CUDA=1 but no CUDA backend: " + reason);
        }
    }

    [Fact]
    public void TryCreateRejectsANonFloatActivationType() =>
        Assert.Throws<ArgumentException>(() => CudaBackend.TryCreate(new CudaBackendOptions { ActivationDType = DType.I32 }, out _, out _));

    [Fact]
    public void TheLibraryReportNamesEveryLibrary()
    {
        string report = CudaBackend.DescribeLibraries();
        Assert.Contains("fluxserve-cuda-driver", report, StringComparison.Ordinal);
        Assert.Contains("fluxserve-nvrtc", report, StringComparison.Ordinal);
        Assert.Contains("fluxserve-cublaslt", report, StringComparison.Ordinal);
    }
}
