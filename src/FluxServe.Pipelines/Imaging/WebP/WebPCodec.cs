using System.Buffers.Binary;

namespace FluxServe.Pipelines.Imaging.WebP;

/// <summary>
/// WebP through libwebp's simple API: lossy (VP8) encoding with a quality factor, lossless (VP8L) encoding, and
/// decoding of still lossy, lossless and extended (VP8X, with or without alpha) files to RGB.
/// </summary>
/// <remarks>
/// Alpha is dropped on decode: the colour samples are kept as they are, as Pillow's <c>convert("RGB")</c> does.
/// Animated files are refused. A file shorter than its RIFF header declares is refused as truncated before libwebp
/// sees it.
/// </remarks>
internal static unsafe class WebPCodec
{
    private const string Package = "libwebp7";

    /// <summary>Encodes <paramref name="image"/> and writes the WebP file to <paramref name="destination"/>.</summary>
    /// <param name="image">The pixels.</param>
    /// <param name="quality">Lossy quality factor 0..100; ignored when <paramref name="lossless"/>.</param>
    /// <param name="lossless">True for VP8L, which reproduces every pixel exactly.</param>
    /// <param name="destination">Receives the file.</param>
    public static void Encode(RgbImage image, int quality, bool lossless, Stream destination)
    {
        if (image.Width > WebPNative.MaxDimension || image.Height > WebPNative.MaxDimension)
        {
            throw new ArgumentOutOfRangeException(nameof(image), $"WebP holds at most {WebPNative.MaxDimension} pixels a side; the image is {image.Width}×{image.Height}.");
        }

        nuint size;
        WebPMemoryHandle output;
        try
        {
            fixed (byte* source = image.Pixels)
            {
                size = lossless
                    ? WebPNative.WebPEncodeLosslessRGB(source, image.Width, image.Height, image.Stride, out output)
                    : WebPNative.WebPEncodeRGB(source, image.Width, image.Height, image.Stride, quality, out output);
            }
        }
        catch (DllNotFoundException e)
        {
            throw NativeImagingLibrary.Missing(WebPNative.LibraryName, Package, e);
        }

        using (output)
        {
            if (size == 0 || output.IsInvalid)
            {
                throw new InvalidOperationException($"libwebp could not encode a {image.Width}×{image.Height} image.");
            }

            destination.Write(new ReadOnlySpan<byte>(output.Pointer, checked((int)size)));
        }
    }

    /// <summary>Reads the header: the canvas dimensions, refusing animations.</summary>
    public static ImageInfo Identify(ReadOnlySpan<byte> data)
    {
        var features = ReadFeatures(data);
        RefuseAnimation(features);
        return new ImageInfo(ImageFormat.WebP, features.Width, features.Height);
    }

    /// <summary>Decodes to RGB after checking the header's dimensions against <paramref name="limits"/>.</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> data, DecodeLimits limits)
    {
        var features = ReadFeatures(data);
        limits.EnsureDimensions(ImageFormat.WebP, features.Width, features.Height);
        RefuseAnimation(features);

        var image = RgbImage.RentUninitialized(features.Width, features.Height);
        try
        {
            byte* result;
            fixed (byte* source = data)
            fixed (byte* destination = image.Pixels)
            {
                result = WebPNative.WebPDecodeRGBInto(source, (nuint)data.Length, destination, (nuint)image.ByteCount, image.Stride);
            }

            if (result == null)
            {
                throw new ImageFormatException(ImageFormat.WebP, "the bitstream is corrupt");
            }

            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    private static WebPNative.BitstreamFeatures ReadFeatures(ReadOnlySpan<byte> data)
    {
        // RIFF container: "RIFF", little-endian size of what follows, "WEBP", chunks (WebP container spec).
        if (data.Length < 12)
        {
            throw new ImageFormatException(ImageFormat.WebP, $"the file is truncated ({data.Length} bytes, shorter than the RIFF header)");
        }

        long declared = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) + 8L;
        if (declared > data.Length)
        {
            throw new ImageFormatException(ImageFormat.WebP, $"the file is truncated (the RIFF header declares {declared} bytes, {data.Length} are present)");
        }

        WebPNative.BitstreamFeatures features;
        int status;
        try
        {
            fixed (byte* source = data)
            {
                status = WebPNative.WebPGetFeaturesInternal(source, (nuint)data.Length, &features, WebPNative.DecoderAbiVersion);
            }
        }
        catch (DllNotFoundException e)
        {
            throw NativeImagingLibrary.Missing(WebPNative.LibraryName, Package, e);
        }

        if (status != WebPNative.StatusOk)
        {
            throw new ImageFormatException(ImageFormat.WebP, status switch
            {
                WebPNative.StatusNotEnoughData => "the file is truncated (its header is incomplete)",
                WebPNative.StatusUnsupportedFeature => "the file uses a feature libwebp does not support",
                WebPNative.StatusOutOfMemory => "libwebp ran out of memory reading the header",
                _ => "the header is malformed",
            });
        }

        return features;
    }

    private static void RefuseAnimation(in WebPNative.BitstreamFeatures features)
    {
        if (features.HasAnimation != 0)
        {
            throw new ImageFormatException(ImageFormat.WebP, "animated WebP is not supported; send a single still image");
        }
    }
}
