using System.Runtime.InteropServices;

namespace FluxServe.Pipelines.Imaging.WebP;

/// <summary>
/// libwebp's simple encoding and decoding API (<c>libwebp.so.7</c>, Debian package <c>libwebp7</c>); signatures
/// from <c>webp/encode.h</c> and <c>webp/decode.h</c> of libwebp 1.2. <c>size_t</c> is <see cref="nuint"/>.
/// </summary>
internal static unsafe partial class WebPNative
{
    public const string LibraryName = "libwebp.so.7";

    /// <summary>
    /// <c>WEBP_DECODER_ABI_VERSION</c> of the headers these bindings follow; libwebp accepts any minor version of the
    /// same major (0x02), so newer libwebp 1.x libraries take it.
    /// </summary>
    public const int DecoderAbiVersion = 0x0209;

    // enum VP8StatusCode
    public const int StatusOk = 0;
    public const int StatusOutOfMemory = 1;
    public const int StatusInvalidParam = 2;
    public const int StatusBitstreamError = 3;
    public const int StatusUnsupportedFeature = 4;
    public const int StatusSuspended = 5;
    public const int StatusUserAbort = 6;
    public const int StatusNotEnoughData = 7;

    /// <summary>The largest width or height libwebp encodes (<c>WEBP_MAX_DIMENSION</c>).</summary>
    public const int MaxDimension = 16383;

    /// <summary><c>struct WebPBitstreamFeatures</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct BitstreamFeatures
    {
        public int Width;
        public int Height;
        public int HasAlpha;
        public int HasAnimation;

        /// <summary>0 undefined or mixed, 1 lossy, 2 lossless.</summary>
        public int Format;

        private unsafe fixed uint _pad[5];
    }

    [LibraryImport(LibraryName)]
    public static partial nuint WebPEncodeRGB(byte* rgb, int width, int height, int stride, float qualityFactor, out WebPMemoryHandle output);

    [LibraryImport(LibraryName)]
    public static partial nuint WebPEncodeLosslessRGB(byte* rgb, int width, int height, int stride, out WebPMemoryHandle output);

    /// <summary>Lossless RGBA encoding: FluxServe writes RGB only; tests use it to make files with alpha.</summary>
    [LibraryImport(LibraryName)]
    public static partial nuint WebPEncodeLosslessRGBA(byte* rgba, int width, int height, int stride, out WebPMemoryHandle output);

    [LibraryImport(LibraryName)]
    public static partial void WebPFree(nint pointer);

    [LibraryImport(LibraryName)]
    public static partial int WebPGetFeaturesInternal(byte* data, nuint dataSize, BitstreamFeatures* features, int version);

    [LibraryImport(LibraryName)]
    public static partial byte* WebPDecodeRGBInto(byte* data, nuint dataSize, byte* outputBuffer, nuint outputBufferSize, int outputStride);

    /// <summary>The library version as 0xMMmmpp (e.g. 0x010204 for 1.2.4).</summary>
    [LibraryImport(LibraryName)]
    public static partial int WebPGetDecoderVersion();
}
