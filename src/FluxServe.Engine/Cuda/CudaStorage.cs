namespace FluxServe.Engine.Cuda;

/// <summary>
/// Device memory from the device's stream-ordered pool. Released (last tensor disposed) means <c>cuMemFreeAsync</c>
/// on the device's one stream: the memory returns to the pool after every operation already enqueued, so a tensor may
/// be disposed as soon as the last operation reading it has been issued.
/// </summary>
public sealed class CudaStorage : TensorStorage
{
    private readonly CudaDeviceRuntime _runtime;
    private readonly ulong _pointer;

    internal CudaStorage(CudaDeviceRuntime runtime, long byteLength)
        : base(byteLength)
    {
        _runtime = runtime;
        _pointer = runtime.Allocate(byteLength);
        Device = new Device(DeviceKind.Cuda, runtime.Info.Ordinal);
    }

    /// <inheritdoc />
    public override Device Device { get; }

    /// <inheritdoc />
    public override nint Pointer => (nint)_pointer;

    /// <inheritdoc />
    protected override void Free() => _runtime.Free(_pointer, ByteLength);
}
