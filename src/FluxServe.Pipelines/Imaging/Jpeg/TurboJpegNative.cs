using System.Runtime.InteropServices;

namespace FluxServe.Pipelines.Imaging.Jpeg;

/// <summary>
/// libjpeg-turbo's TurboJPEG 2 API (<c>libturbojpeg.so.0</c>, Debian package <c>libturbojpeg0</c>). Unlike the
/// classic libjpeg API it reports errors by return value with a message per handle, so no <c>longjmp</c> crosses
/// managed frames. Signatures from <c>turbojpeg.h</c> of libjpeg-turbo 2.1; <c>unsigned long</c> is
/// <see cref="CULong"/>.
/// </summary>
internal static unsafe partial class TurboJpegNative
{
    public const string LibraryName = "libturbojpeg.so.0";

    // enum TJPF
    public const int PixelFormatRgb = 0;
    public const int PixelFormatRgba = 7;
    public const int PixelFormatCmyk = 11;

    // enum TJSAMP
    public const int Subsampling444 = 0;
    public const int Subsampling422 = 1;
    public const int Subsampling420 = 2;
    public const int SubsamplingGray = 3;
    public const int Subsampling440 = 4;
    public const int Subsampling411 = 5;

    // enum TJCS
    public const int ColorspaceRgb = 0;
    public const int ColorspaceYCbCr = 1;
    public const int ColorspaceGray = 2;
    public const int ColorspaceCmyk = 3;
    public const int ColorspaceYcck = 4;

    // TJFLAG_*
    public const int FlagNoRealloc = 1024;
    public const int FlagAccurateDct = 4096;
    public const int FlagStopOnWarning = 8192;
    public const int FlagProgressive = 16384;
    public const int FlagLimitScans = 32768;

    // enum TJERR
    public const int ErrorWarning = 0;
    public const int ErrorFatal = 1;

    [LibraryImport(LibraryName)]
    public static partial TurboJpegHandle tjInitCompress();

    [LibraryImport(LibraryName)]
    public static partial TurboJpegHandle tjInitDecompress();

    [LibraryImport(LibraryName)]
    public static partial int tjDestroy(nint handle);

    [LibraryImport(LibraryName)]
    public static partial CULong tjBufSize(int width, int height, int jpegSubsamp);

    [LibraryImport(LibraryName)]
    public static partial int tjCompress2(
        TurboJpegHandle handle, byte* srcBuf, int width, int pitch, int height, int pixelFormat,
        byte** jpegBuf, CULong* jpegSize, int jpegSubsamp, int jpegQual, int flags);

    [LibraryImport(LibraryName)]
    public static partial int tjDecompressHeader3(
        TurboJpegHandle handle, byte* jpegBuf, CULong jpegSize, out int width, out int height, out int jpegSubsamp, out int jpegColorspace);

    [LibraryImport(LibraryName)]
    public static partial int tjDecompress2(
        TurboJpegHandle handle, byte* jpegBuf, CULong jpegSize, byte* dstBuf, int width, int pitch, int height, int pixelFormat, int flags);

    /// <summary>Frees a buffer TurboJPEG allocated (FluxServe's encoder passes its own buffer; tests use this).</summary>
    [LibraryImport(LibraryName)]
    public static partial void tjFree(byte* buffer);

    /// <summary>The last error of <paramref name="handle"/>; a static string owned by the library or the handle.</summary>
    [LibraryImport(LibraryName)]
    public static partial byte* tjGetErrorStr2(TurboJpegHandle handle);

    /// <summary><c>tjGetErrorStr2(NULL)</c>: the last error of a call that had no handle (a failed init).</summary>
    [LibraryImport(LibraryName, EntryPoint = "tjGetErrorStr2")]
    public static partial byte* tjGetGlobalErrorStr(nint handle);

    [LibraryImport(LibraryName)]
    public static partial int tjGetErrorCode(TurboJpegHandle handle);
}
