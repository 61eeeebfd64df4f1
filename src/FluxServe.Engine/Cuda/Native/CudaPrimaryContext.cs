using System.Runtime.InteropServices;

namespace FluxServe.Engine.Cuda.Native;

/// <summary>
/// A retained reference to a device's primary context (<c>cuDevicePrimaryCtxRetain</c>), the context the CUDA runtime
/// and PyTorch share, released with <c>cuDevicePrimaryCtxRelease</c>.
/// </summary>
internal sealed class CudaPrimaryContext : SafeHandle
{
    public CudaPrimaryContext(nint context, int device)
        : base(0, ownsHandle: true)
    {
        Device = device;
        SetHandle(context);
    }

    /// <summary>The device ordinal (<c>CUdevice</c>).</summary>
    public int Device { get; }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        _ = CudaDriver.cuDevicePrimaryCtxRelease_v2(Device);
        return true;
    }
}
