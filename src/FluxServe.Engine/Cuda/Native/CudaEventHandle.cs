using System.Runtime.InteropServices;

namespace FluxServe.Engine.Cuda.Native;

/// <summary>A CUDA event (<c>CUevent</c>), destroyed with <c>cuEventDestroy</c>.</summary>
/// <remarks>Release makes the owning context current first, since the finalizer thread has none.</remarks>
internal sealed class CudaEventHandle : SafeHandle
{
    private readonly nint _context;

    public CudaEventHandle(nint handle, nint context)
        : base(0, ownsHandle: true)
    {
        _context = context;
        SetHandle(handle);
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        // Status codes are ignored here: a failed release cannot be reported from a finalizer.
        _ = CudaDriver.cuCtxSetCurrent(_context);
        _ = CudaDriver.cuEventDestroy_v2(handle);
        return true;
    }
}
