using FluxServe.Pipelines.Imaging.Jpeg;
using FluxServe.Pipelines.Imaging.Png;
using FluxServe.Pipelines.Imaging.WebP;

namespace FluxServe.Pipelines.Imaging;

/// <summary>Encodes <see cref="RgbImage"/>s as JPEG, PNG or WebP files.</summary>
/// <remarks>
/// JPEG: libjpeg-turbo, baseline, 4:2:0 chroma subsampling, accurate DCT, libjpeg's quality scale (quality 0 is
/// written as 1). PNG: 8-bit RGB, adaptive per-row filters, run-length deflate (LZ77 matching for flat artwork);
/// always lossless, quality ignored. WebP: libwebp, lossy with the quality factor, or lossless (VP8L, exact pixels,
/// quality ignored) when <c>lossless</c> is set. <c>lossless</c> is ignored for JPEG and PNG. Thread-safe: every
/// call uses its own encoder.
/// </remarks>
public static class ImageEncoder
{
    /// <summary>Encodes <paramref name="image"/> as a file of <paramref name="format"/>.</summary>
    /// <param name="image">The pixels.</param>
    /// <param name="format">The file format.</param>
    /// <param name="quality">0 (smallest) to 100 (best) for lossy JPEG and WebP; ignored for PNG and lossless WebP.</param>
    /// <param name="lossless">For WebP, write lossless VP8L instead of lossy VP8.</param>
    /// <returns>The file's bytes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="quality"/> is outside 0..100, or the image is
    /// larger than the format holds (65500 pixels a side for JPEG, 16383 for WebP).</exception>
    public static byte[] Encode(RgbImage image, ImageFormat format, int quality = 90, bool lossless = false)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var buffer = new MemoryStream(EstimateSize(image, format));
        Encode(image, format, buffer, quality, lossless);
        return buffer.ToArray();
    }

    /// <summary>Encodes <paramref name="image"/> and writes the file to <paramref name="destination"/>.</summary>
    /// <param name="image">The pixels.</param>
    /// <param name="format">The file format.</param>
    /// <param name="destination">A writable stream; written from its current position, left open.</param>
    /// <param name="quality">0 (smallest) to 100 (best) for lossy JPEG and WebP; ignored for PNG and lossless WebP.</param>
    /// <param name="lossless">For WebP, write lossless VP8L instead of lossy VP8.</param>
    /// <exception cref="ArgumentOutOfRangeException">As for <see cref="Encode(RgbImage, ImageFormat, int, bool)"/>.</exception>
    public static void Encode(RgbImage image, ImageFormat format, Stream destination, int quality = 90, bool lossless = false)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfNegative(quality);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        switch (format)
        {
            case ImageFormat.Jpeg:
                JpegCodec.Encode(image, quality, destination);
                break;
            case ImageFormat.Png:
                PngEncoder.Encode(image, destination);
                break;
            case ImageFormat.WebP:
                WebPCodec.Encode(image, quality, lossless, destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown image format.");
        }
    }

    /// <summary>The media type of <paramref name="format"/>: <c>image/jpeg</c>, <c>image/png</c>, <c>image/webp</c>.</summary>
    public static string GetMediaType(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => "image/jpeg",
        ImageFormat.Png => "image/png",
        ImageFormat.WebP => "image/webp",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown image format."),
    };

    /// <summary>The usual file extension of <paramref name="format"/>, without the dot: <c>jpg</c>, <c>png</c>, <c>webp</c>.</summary>
    public static string GetFileExtension(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => "jpg",
        ImageFormat.Png => "png",
        ImageFormat.WebP => "webp",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown image format."),
    };

    /// <summary>A first capacity for the output buffer: typical compressed sizes of photographic images.</summary>
    private static int EstimateSize(RgbImage image, ImageFormat format) =>
        (int)Math.Min(image.ByteCount / (format == ImageFormat.Png ? 2L : 8L) + 1024, 64L * 1024 * 1024);
}
