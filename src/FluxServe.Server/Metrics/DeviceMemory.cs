namespace FluxServe.Server.Metrics;

/// <summary>Memory of one device.</summary>
/// <param name="Device">The device name (<c>cpu</c>, <c>cuda:0</c>).</param>
/// <param name="UsedBytes">In use.</param>
/// <param name="TotalBytes">Available in all.</param>
public sealed record DeviceMemory(string Device, long UsedBytes, long TotalBytes);
