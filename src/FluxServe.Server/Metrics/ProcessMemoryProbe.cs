namespace FluxServe.Server.Metrics;

/// <summary>The <c>cpu</c> device: the process's working set out of the memory the GC may use.</summary>
internal sealed class ProcessMemoryProbe : IDeviceMemoryProbe
{
    public DeviceMemory Read() => new("cpu", Environment.WorkingSet, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
}
