namespace FluxServe.Engine;

/// <summary>Kinds of compute device.</summary>
public enum DeviceKind : byte
{
    /// <summary>Host memory, the managed CPU backend.</summary>
    Cpu,
    /// <summary>An NVIDIA GPU through the CUDA driver API.</summary>
    Cuda,
}

/// <summary>Where a tensor's memory lives.</summary>
/// <param name="Kind">The kind of device.</param>
/// <param name="Index">The ordinal among devices of that kind.</param>
public readonly record struct Device(DeviceKind Kind, int Index = 0)
{
    /// <summary>The host.</summary>
    public static Device Cpu => new(DeviceKind.Cpu);

    /// <inheritdoc />
    public override string ToString() => Kind == DeviceKind.Cpu ? "cpu" : $"cuda:{Index}";
}
