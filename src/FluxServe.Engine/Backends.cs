using FluxServe.Engine.Cpu;

namespace FluxServe.Engine;

/// <summary>The registry of backends by device. The CPU backend is always present; others register at start-up.</summary>
public static class Backends
{
    private static readonly Lock s_gate = new();
    private static readonly Dictionary<Device, IBackend> s_backends = new() { [Device.Cpu] = CpuBackend.Instance };

    /// <summary>The backend for <paramref name="device"/>.</summary>
    /// <exception cref="InvalidOperationException">No backend is registered for that device.</exception>
    public static IBackend For(Device device)
    {
        if (device.Kind == DeviceKind.Cpu)
        {
            return CpuBackend.Instance;
        }

        lock (s_gate)
        {
            return s_backends.TryGetValue(device, out var backend)
                ? backend
                : throw new InvalidOperationException($"No backend is available for device {device}.");
        }
    }

    /// <summary>Registers (or replaces) the backend of a device.</summary>
    public static void Register(IBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        lock (s_gate)
        {
            s_backends[backend.Device] = backend;
        }
    }

    /// <summary>Copies a tensor to <paramref name="device"/>.</summary>
    public static Tensor Copy(Tensor source, Device device)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Device.Kind == DeviceKind.Cpu && device.Kind == DeviceKind.Cpu)
        {
            var copy = Tensor.Empty(source.Shape, source.DType);
            source.AsBytes().CopyTo(copy.AsBytes());
            return copy;
        }

        var other = device.Kind == DeviceKind.Cpu ? For(source.Device) : For(device);
        return other is IDeviceTransfer transfer
            ? transfer.Copy(source, device)
            : throw new InvalidOperationException($"Backend for {other.Device} cannot copy from {source.Device} to {device}.");
    }
}

/// <summary>A backend that can move tensors between its device and the host.</summary>
public interface IDeviceTransfer
{
    /// <summary>Copies <paramref name="source"/> (on the host or this device) to <paramref name="device"/>.</summary>
    Tensor Copy(Tensor source, Device device);
}
