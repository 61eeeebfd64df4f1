namespace FluxServe.Pipelines.Imaging;

/// <summary>An encoded image file format that FluxServe reads and writes.</summary>
public enum ImageFormat
{
    /// <summary>JPEG (JFIF), through libjpeg-turbo's TurboJPEG API.</summary>
    Jpeg,

    /// <summary>PNG, with FluxServe's own codec over zlib.</summary>
    Png,

    /// <summary>WebP (lossy VP8 or lossless VP8L in a RIFF container), through libwebp.</summary>
    WebP,
}
