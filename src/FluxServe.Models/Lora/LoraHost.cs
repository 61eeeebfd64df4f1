using FluxServe.Engine;

namespace FluxServe.Models.Lora;

/// <summary>Host-side helpers for assembling adapter tensors at load time and for merging (never per token).</summary>
internal static class LoraHost
{
    /// <summary>The elements of <paramref name="tensor"/> (any float dtype, any device) as float32.</summary>
    public static float[] ToSingles(Tensor tensor)
    {
        if (tensor.Device.Kind != DeviceKind.Cpu)
        {
            using var host = tensor.To(Device.Cpu);
            return ToSingles(host);
        }

        if (tensor.DType == DType.F32)
        {
            return tensor.ToArray<float>();
        }

        using var widened = tensor.Cast(DType.F32);
        return widened.ToArray<float>();
    }

    /// <summary>A new CPU float32 tensor holding <paramref name="data"/>.</summary>
    public static Tensor FromSingles(ReadOnlySpan<float> data, params ReadOnlySpan<int> shape) =>
        Tensor.FromSpan(data, shape, DType.F32).Detach();

    /// <summary>A CPU tensor with <paramref name="tensor"/>'s values in <paramref name="dtype"/> (a new reference when it already is).</summary>
    public static Tensor As(Tensor tensor, DType dtype) =>
        (tensor.DType == dtype ? tensor.Reshape(tensor.Shape) : tensor.Cast(dtype)).Detach();

    /// <summary>The dtype all of <paramref name="tensors"/> share, or float32 when they differ.</summary>
    public static DType Common(IEnumerable<Tensor> tensors)
    {
        DType? common = null;
        foreach (var t in tensors)
        {
            if (common is null)
            {
                common = t.DType;
            }
            else if (common != t.DType)
            {
                return DType.F32;
            }
        }

        return common ?? DType.F32;
    }

    /// <summary>True when the two tensors hold the same values in the same dtype and shape.</summary>
    public static bool SameValues(Tensor a, Tensor b) =>
        ReferenceEquals(a, b)
        || (a.DType == b.DType && a.Shape.SequenceEqual(b.Shape) && a.AsBytes().SequenceEqual(b.AsBytes()));

    /// <summary>A [rows, cols] view of a 2-D tensor or of a 4-D [rows, cols, 1, 1] one (LoCon keys store Linear factors that way).</summary>
    public static Tensor? AsMatrix(Tensor t) => t.Rank switch
    {
        2 => t.Reshape(t.Shape).Detach(),
        4 when t.Dim(2) == 1 && t.Dim(3) == 1 => t.Reshape(t.Dim(0), t.Dim(1)).Detach(),
        _ => null,
    };

    /// <summary>Copies <paramref name="tensor"/> to <paramref name="device"/> (a new reference when it is already there).</summary>
    public static Tensor OnDevice(Tensor tensor, Device device) =>
        (tensor.Device == device ? tensor.Reshape(tensor.Shape) : tensor.To(device)).Detach();

    /// <summary>Output row <paramref name="i"/> of a patch of <paramref name="rows"/> rows lands on this row of the layer.</summary>
    public static int Destination(LoraSlice slice, int rows, int i) =>
        slice.RowOffset + (slice.SwapHalves ? (i + (rows / 2)) % rows : i);
}
