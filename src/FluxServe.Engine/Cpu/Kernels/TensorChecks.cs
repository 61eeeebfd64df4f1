using System.Diagnostics.CodeAnalysis;

namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>Argument validation shared by the CPU operations, with messages that name the tensor and its shape.</summary>
internal static class TensorChecks
{
    /// <summary>Throws unless <paramref name="tensor"/> is a live float32 CPU tensor.</summary>
    public static void RequireFloat32(Tensor tensor, string name)
    {
        RequireCpu(tensor, name);
        if (tensor.DType != DType.F32)
        {
            throw new ArgumentException($"{name} must be F32 for the CPU backend, got {tensor.DType} {Tensor.FormatShape(tensor.Shape)}.", name);
        }
    }

    /// <summary>Throws unless <paramref name="tensor"/> is a live CPU tensor.</summary>
    public static void RequireCpu(Tensor tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor, name);
        ObjectDisposedException.ThrowIf(tensor.IsDisposed, tensor);
        if (tensor.Device.Kind != DeviceKind.Cpu)
        {
            throw new ArgumentException($"{name} is on {tensor.Device}; the CPU backend needs host tensors.", name);
        }
    }

    /// <summary>Throws unless <paramref name="tensor"/> has <paramref name="rank"/> dimensions.</summary>
    public static void RequireRank(Tensor tensor, int rank, string name, string expected)
    {
        if (tensor.Rank != rank)
        {
            Throw(name, $"{name} must be {expected}, got {Tensor.FormatShape(tensor.Shape)}.");
        }
    }

    /// <summary>Throws unless <paramref name="tensor"/> is the vector [<paramref name="length"/>].</summary>
    public static void RequireVector(Tensor tensor, int length, string name)
    {
        if (tensor.Rank != 1 || tensor.Shape[0] != length)
        {
            Throw(name, $"{name} must be [{length}], got {Tensor.FormatShape(tensor.Shape)}.");
        }
    }

    /// <summary>Throws an <see cref="ArgumentException"/> for parameter <paramref name="name"/>.</summary>
    [DoesNotReturn]
    public static void Throw(string name, string message) => throw new ArgumentException(message, name);
}
