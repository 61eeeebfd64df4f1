using System.Buffers;
using System.Runtime.InteropServices;

namespace FluxServe.Pipelines.Imaging.Jpeg;

/// <summary>
/// JPEG through TurboJPEG: baseline encoding with 4:2:0 chroma subsampling and the accurate integer DCT (what
/// <c>cjpeg -quality Q</c> and Pillow's default write), and decoding of baseline, progressive and arithmetic-coded
/// JPEGs in YCbCr, RGB or grayscale to RGB.
/// </summary>
/// <remarks>
/// CMYK and YCCK JPEGs are refused: their Adobe inversion convention is not visible through TurboJPEG, so a faithful
/// conversion cannot be promised. Progressive files are decoded with <c>TJFLAG_LIMITSCANS</c>, which refuses the
/// many-scan files that make decoding take minutes. Truncated files ("Premature end of JPEG file") are refused;
/// other libjpeg warnings (extraneous bytes before a marker and the like) are tolerated, as Pillow tolerates them.
/// </remarks>
internal static unsafe class JpegCodec
{
    /// <summary>The largest width or height libjpeg handles (<c>JPEG_MAX_DIMENSION</c>).</summary>
    public const int MaxDimension = 65500;

    private const string Package = "libturbojpeg0";

    /// <summary>Encodes <paramref name="image"/> and writes the JPEG file to <paramref name="destination"/>.</summary>
    /// <param name="image">The pixels.</param>
    /// <param name="quality">0..100, where 0 is treated as 1 (libjpeg's lowest).</param>
    /// <param name="destination">Receives the file.</param>
    public static void Encode(RgbImage image, int quality, Stream destination)
    {
        if (image.Width > MaxDimension || image.Height > MaxDimension)
        {
            throw new ArgumentOutOfRangeException(nameof(image), $"JPEG holds at most {MaxDimension} pixels a side; the image is {image.Width}×{image.Height}.");
        }

        const int subsampling = TurboJpegNative.Subsampling420;
        using var handle = CreateHandle(compress: true);

        // With TJFLAG_NOREALLOC TurboJPEG writes into our buffer, which tjBufSize sizes for the worst case, so no
        // native allocation has to be freed afterwards.
        long capacity = (long)TurboJpegNative.tjBufSize(image.Width, image.Height, subsampling).Value;
        if (capacity is <= 0 or > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(image), $"A {image.Width}×{image.Height} JPEG may need {capacity} bytes, more than one buffer holds.");
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)capacity);
        try
        {
            CULong size;
            fixed (byte* source = image.Pixels)
            fixed (byte* target = buffer)
            {
                byte* output = target;
                int status = TurboJpegNative.tjCompress2(
                    handle, source, image.Width, image.Stride, image.Height, TurboJpegNative.PixelFormatRgb,
                    &output, &size, subsampling, Math.Clamp(quality, 1, 100), TurboJpegNative.FlagNoRealloc | TurboJpegNative.FlagAccurateDct);
                if (status != 0 || output != target)
                {
                    throw new InvalidOperationException($"libjpeg-turbo could not encode a {image.Width}×{image.Height} JPEG: {ErrorMessage(handle)}");
                }
            }

            destination.Write(buffer, 0, checked((int)size.Value));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads the header: dimensions, refusing what <see cref="Decode"/> would refuse for its colour space.</summary>
    public static ImageInfo Identify(ReadOnlySpan<byte> data)
    {
        using var handle = CreateHandle(compress: false);
        var (width, height) = ReadHeader(handle, data);
        return new ImageInfo(ImageFormat.Jpeg, width, height);
    }

    /// <summary>Decodes to RGB after checking the header's dimensions against <paramref name="limits"/>.</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> data, DecodeLimits limits)
    {
        using var handle = CreateHandle(compress: false);
        var (width, height) = ReadHeader(handle, data);
        limits.EnsureDimensions(ImageFormat.Jpeg, width, height);

        var image = RgbImage.RentUninitialized(width, height);
        try
        {
            int status;
            fixed (byte* source = data)
            fixed (byte* destination = image.Pixels)
            {
                status = TurboJpegNative.tjDecompress2(
                    handle, source, new CULong((nuint)data.Length), destination, width, image.Stride, height,
                    TurboJpegNative.PixelFormatRgb, TurboJpegNative.FlagLimitScans | TurboJpegNative.FlagAccurateDct);
            }

            if (status != 0)
            {
                string message = ErrorMessage(handle);
                bool fatal = TurboJpegNative.tjGetErrorCode(handle) != TurboJpegNative.ErrorWarning;
                if (fatal)
                {
                    throw new ImageFormatException(ImageFormat.Jpeg, $"the data is corrupt ({message})");
                }

                // libjpeg reports a file that ends before its image data as a warning and pads the image with grey.
                if (message.Contains("Premature end", StringComparison.OrdinalIgnoreCase))
                {
                    throw new ImageFormatException(ImageFormat.Jpeg, $"the file is truncated ({message})");
                }
            }

            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    private static (int Width, int Height) ReadHeader(TurboJpegHandle handle, ReadOnlySpan<byte> data)
    {
        int status, width, height, subsampling, colorspace;
        fixed (byte* source = data)
        {
            status = TurboJpegNative.tjDecompressHeader3(handle, source, new CULong((nuint)data.Length), out width, out height, out subsampling, out colorspace);
        }

        if (status != 0)
        {
            string message = ErrorMessage(handle);
            string reason = EndsWithEndOfImage(data)
                ? $"the header is malformed ({message})"
                : $"the header is malformed or the file is truncated ({message})";
            throw new ImageFormatException(ImageFormat.Jpeg, reason);
        }

        if (colorspace is TurboJpegNative.ColorspaceCmyk or TurboJpegNative.ColorspaceYcck)
        {
            throw new ImageFormatException(ImageFormat.Jpeg, "CMYK and YCCK JPEGs are not supported; save the image in RGB (YCbCr) colour");
        }

        return (width, height);
    }

    /// <summary>True when the data ends in an EOI marker (<c>FF D9</c>), as a complete JPEG file does.</summary>
    private static bool EndsWithEndOfImage(ReadOnlySpan<byte> data) => data.Length >= 2 && data[^2] == 0xFF && data[^1] == 0xD9;

    private static TurboJpegHandle CreateHandle(bool compress)
    {
        TurboJpegHandle handle;
        try
        {
            handle = compress ? TurboJpegNative.tjInitCompress() : TurboJpegNative.tjInitDecompress();
        }
        catch (DllNotFoundException e)
        {
            throw NativeImagingLibrary.Missing(TurboJpegNative.LibraryName, Package, e);
        }

        if (handle.IsInvalid)
        {
            string message = Marshal.PtrToStringUTF8((nint)TurboJpegNative.tjGetGlobalErrorStr(0)) ?? "unknown error";
            handle.Dispose();
            throw new InvalidOperationException($"libjpeg-turbo could not create a {(compress ? "compressor" : "decompressor")}: {message}");
        }

        return handle;
    }

    private static string ErrorMessage(TurboJpegHandle handle) =>
        Marshal.PtrToStringUTF8((nint)TurboJpegNative.tjGetErrorStr2(handle)) ?? "unknown error";
}
