namespace FluxServe.Server.Metrics;

/// <summary>Reports device memory for /metrics; a GPU backend registers one per device beside its generator.</summary>
public interface IDeviceMemoryProbe
{
    DeviceMemory Read();
}
