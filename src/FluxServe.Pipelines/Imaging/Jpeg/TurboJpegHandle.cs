using System.Runtime.InteropServices;

namespace FluxServe.Pipelines.Imaging.Jpeg;

/// <summary>A TurboJPEG compressor or decompressor instance (<c>tjhandle</c>), freed with <c>tjDestroy</c>.</summary>
internal sealed class TurboJpegHandle : SafeHandle
{
    public TurboJpegHandle()
        : base(0, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <inheritdoc />
    protected override bool ReleaseHandle() => TurboJpegNative.tjDestroy(handle) == 0;
}
