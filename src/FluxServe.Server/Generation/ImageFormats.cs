namespace FluxServe.Server.Generation;

/// <summary>Media types and file extensions of <see cref="ImageFormat"/>.</summary>
public static class ImageFormats
{
    public static string MediaType(this ImageFormat format) => format switch
    {
        ImageFormat.Png => "image/png",
        ImageFormat.WebP => "image/webp",
        _ => "image/jpeg",
    };

    public static string Extension(this ImageFormat format) => format switch
    {
        ImageFormat.Png => "png",
        ImageFormat.WebP => "webp",
        _ => "jpg",
    };

    public static ImageFormat FromExtension(string extension) => extension switch
    {
        "png" => ImageFormat.Png,
        "webp" => ImageFormat.WebP,
        _ => ImageFormat.Jpeg,
    };
}
