using System.Runtime.InteropServices;

namespace FluxServe.Pipelines.Imaging.WebP;

/// <summary>A buffer that libwebp allocated (an encoder's output), freed with <c>WebPFree</c>.</summary>
internal sealed class WebPMemoryHandle : SafeHandle
{
    public WebPMemoryHandle()
        : base(0, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <summary>The buffer's address, valid while this handle is alive and not disposed.</summary>
    public unsafe byte* Pointer => (byte*)handle;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        WebPNative.WebPFree(handle);
        return true;
    }
}
