namespace FluxServe.Engine.Cpu;

/// <summary>
/// The CPU backend: float32 compute in managed code with <c>System.Runtime.Intrinsics</c>. It is what tests and CI
/// run and the oracle other backends are checked against. One operation per file (<c>CpuBackend.*.cs</c>).
/// </summary>
public sealed partial class CpuBackend : IBackend
{
    private CpuBackend()
    {
    }

    /// <summary>The one instance.</summary>
    public static CpuBackend Instance { get; } = new();

    /// <inheritdoc />
    public Device Device => Device.Cpu;

    /// <inheritdoc />
    public Tensor Allocate(ReadOnlySpan<int> shape, DType dtype, bool zero)
    {
        long bytes = Tensor.ComputeLength(shape) * dtype.SizeOf();
        return new Tensor(CpuStorage.Allocate(bytes, zero), 0, shape, dtype);
    }
}
