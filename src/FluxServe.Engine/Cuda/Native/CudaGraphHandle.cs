using System.Runtime.InteropServices;

namespace FluxServe.Engine.Cuda.Native;

/// <summary>A captured CUDA graph (<c>CUgraph</c>), destroyed with <c>cuGraphDestroy</c>.</summary>
/// <remarks>Release makes the owning context current first, since the finalizer thread has none.</remarks>
internal sealed class CudaGraphHandle : SafeHandle
{
    private readonly nint _context;

    public CudaGraphHandle(nint handle, nint context)
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
        _ = CudaDriver.cuGraphDestroy(handle);
        return true;
    }
}
