namespace FluxServe.Pipelines.Imaging;

/// <summary>
/// Bounds that <see cref="ImageDecoder"/> checks against a file's size and its header's dimensions before it
/// allocates anything for the pixels, so that a small malicious file cannot make the server allocate gigabytes (a
/// decompression bomb).
/// </summary>
/// <remarks>
/// The defaults allow any photograph of up to 25 megapixels (a 6000×4000 camera frame is 24) in a file of up to
/// 50 MiB; the decoded image then needs at most 75 MB. Every bound must be positive.
/// </remarks>
public sealed record DecodeLimits
{
    /// <summary>The default bounds: 16384 pixels a side, 25 megapixels, 50 MiB of encoded data.</summary>
    public static DecodeLimits Default { get; } = new();

    /// <summary>The largest width accepted, in pixels.</summary>
    public int MaxWidth { get; init; } = 16384;

    /// <summary>The largest height accepted, in pixels.</summary>
    public int MaxHeight { get; init; } = 16384;

    /// <summary>The largest <c>width × height</c> accepted.</summary>
    public long MaxPixels { get; init; } = 25_000_000;

    /// <summary>The largest encoded file accepted, in bytes.</summary>
    public long MaxBytes { get; init; } = 50L * 1024 * 1024;

    internal void Validate()
    {
        if (MaxWidth <= 0 || MaxHeight <= 0 || MaxPixels <= 0 || MaxBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(DecodeLimits), this, "Every decode limit must be positive.");
        }
    }

    /// <summary>Refuses an encoded file longer than <see cref="MaxBytes"/>.</summary>
    internal void EnsureFileSize(ImageFormat? format, long byteCount)
    {
        if (byteCount > MaxBytes)
        {
            throw new ImageTooLargeException(format, $"the file has {byteCount} bytes, more than the limit of {MaxBytes}");
        }
    }

    /// <summary>
    /// Refuses dimensions above the limits (or above what one <see cref="RgbImage"/> can hold), before anything is
    /// allocated for the pixels.
    /// </summary>
    internal void EnsureDimensions(ImageFormat format, long width, long height)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ImageFormatException(format, $"the header declares an empty image ({width}×{height} pixels)");
        }

        long pixels = width * height;
        if (width > MaxWidth || height > MaxHeight || pixels > MaxPixels || pixels > RgbImage.MaxPixelCount)
        {
            long maxPixels = Math.Min(MaxPixels, RgbImage.MaxPixelCount);
            throw new ImageTooLargeException(
                format,
                $"{width}×{height} pixels exceeds the limit of {MaxWidth}×{MaxHeight} and {maxPixels} pixels");
        }
    }
}
