namespace FluxServe.Pipelines.Imaging;

/// <summary>
/// An image file that cannot be decoded: an unknown format, a malformed, truncated or corrupt file, or a feature the
/// decoder refuses (for example CMYK JPEG or animated WebP). The message is a sentence fit to show the user.
/// </summary>
public class ImageFormatException : FormatException
{
    public ImageFormatException()
        : this(null, "the image could not be decoded")
    {
    }

    public ImageFormatException(string message)
        : this(null, message)
    {
    }

    public ImageFormatException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    /// <summary>Creates the exception for a file of <paramref name="format"/> (null when the format is unknown).</summary>
    /// <param name="format">The format the file claimed by its magic bytes, or null.</param>
    /// <param name="reason">What is wrong, as a lower-case clause: "the file is truncated in chunk IDAT".</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ImageFormatException(ImageFormat? format, string reason, Exception? innerException = null)
        : base(ComposeMessage(format, reason), innerException)
    {
        Format = format;
        Reason = reason;
    }

    /// <summary>The format the file claimed by its magic bytes; null when it was not recognised.</summary>
    public ImageFormat? Format { get; }

    /// <summary>What is wrong with the file, without the format prefix.</summary>
    public string Reason { get; } = "";

    private static string ComposeMessage(ImageFormat? format, string reason) => format switch
    {
        ImageFormat.Jpeg => $"Invalid JPEG image: {reason}.",
        ImageFormat.Png => $"Invalid PNG image: {reason}.",
        ImageFormat.WebP => $"Invalid WebP image: {reason}.",
        _ => $"Invalid image: {reason}.",
    };
}
