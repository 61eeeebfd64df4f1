namespace FluxServe.Engine.Cuda;

public sealed partial class CudaBackend
{
    /// <inheritdoc />
    /// <remarks>Bit for bit the CPU backend's conversions (round to nearest even; c10's NaN and overflow rules).</remarks>
    public Tensor Cast(Tensor x, DType dtype)
    {
        RequireOnDevice(x, nameof(x));
        if (x.DType == dtype)
        {
            return Copy(x, Device);
        }

        if (!x.DType.IsFloatingPoint() || !dtype.IsFloatingPoint())
        {
            throw new NotSupportedException($"The CUDA backend casts between float dtypes only, not {x.DType} to {dtype}.");
        }

        var y = NewTensor(x.Shape, dtype);
        CastInto(x.Pointer, x.DType, y.Pointer, dtype, x.Length);
        return y;
    }
}
