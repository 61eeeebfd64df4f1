namespace FluxServe.Pipelines.Imaging;

/// <summary>What an image file's header says: its format and its dimensions in pixels.</summary>
/// <param name="Format">The format found from the file's magic bytes.</param>
/// <param name="Width">The width in pixels, as the header declares it.</param>
/// <param name="Height">The height in pixels, as the header declares it.</param>
public readonly record struct ImageInfo(ImageFormat Format, int Width, int Height)
{
    /// <summary>The number of pixels, <c>Width × Height</c>, computed without overflow.</summary>
    public long PixelCount => (long)Width * Height;
}
