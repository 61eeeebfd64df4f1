namespace FluxServe.Server.Generation;

/// <summary>Image encodings the API can return.</summary>
public enum ImageFormat
{
    Jpeg,
    Png,
    WebP,
}
