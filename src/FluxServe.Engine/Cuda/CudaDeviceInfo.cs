namespace FluxServe.Engine.Cuda;

/// <summary>What the CUDA backend found: the device, the driver, and the libraries it loaded.</summary>
/// <param name="Ordinal">The device ordinal (<c>cuda:N</c>).</param>
/// <param name="Name">The device name (<c>NVIDIA H100 80GB HBM3</c>).</param>
/// <param name="ComputeCapabilityMajor">Compute capability, major (9 for Hopper).</param>
/// <param name="ComputeCapabilityMinor">Compute capability, minor.</param>
/// <param name="MultiprocessorCount">Streaming multiprocessors.</param>
/// <param name="L2CacheBytes">L2 cache size.</param>
/// <param name="TotalMemoryBytes">Device memory.</param>
/// <param name="MaxSharedMemoryPerBlockOptIn">Shared memory a block may use after opting in.</param>
/// <param name="DriverVersion">The driver's CUDA version, e.g. 13000 for 13.0.</param>
/// <param name="NvrtcVersion">NVRTC's version as <c>major.minor</c>.</param>
/// <param name="CublasLtVersion">cuBLASLt's version number (e.g. 130100).</param>
/// <param name="Libraries">Where each library was loaded from.</param>
public sealed record CudaDeviceInfo(
    int Ordinal,
    string Name,
    int ComputeCapabilityMajor,
    int ComputeCapabilityMinor,
    int MultiprocessorCount,
    long L2CacheBytes,
    long TotalMemoryBytes,
    int MaxSharedMemoryPerBlockOptIn,
    int DriverVersion,
    string NvrtcVersion,
    long CublasLtVersion,
    string Libraries)
{
    /// <summary>Compute capability as one number (90 for 9.0).</summary>
    public int ComputeCapability => (ComputeCapabilityMajor * 10) + ComputeCapabilityMinor;

    /// <inheritdoc />
    public override string ToString() =>
        $"cuda:{Ordinal} {Name}, sm_{ComputeCapability}, {MultiprocessorCount} SMs, {TotalMemoryBytes / (1L << 20)} MiB, " +
        $"driver CUDA {DriverVersion / 1000}.{DriverVersion % 1000 / 10}, NVRTC {NvrtcVersion}, cuBLASLt {CublasLtVersion}";
}
