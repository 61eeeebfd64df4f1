namespace FluxServe.Pipelines.Imaging;

/// <summary>
/// An image refused because its file size or its declared dimensions exceed the <see cref="DecodeLimits"/>; thrown
/// before any pixel memory is allocated. A server answers it as "payload too large" rather than "bad request".
/// </summary>
public sealed class ImageTooLargeException : ImageFormatException
{
    public ImageTooLargeException()
        : base(null, "the image is too large")
    {
    }

    public ImageTooLargeException(string message)
        : base(null, message)
    {
    }

    public ImageTooLargeException(string message, Exception innerException)
        : base(null, message, innerException)
    {
    }

    /// <summary>Creates the exception for a file of <paramref name="format"/> that exceeds a limit.</summary>
    /// <param name="format">The file's format, or null when the file was refused on its size alone.</param>
    /// <param name="reason">Which limit is exceeded and by what: "8000×8000 pixels exceeds the limit of ...".</param>
    public ImageTooLargeException(ImageFormat? format, string reason)
        : base(format, reason)
    {
    }
}
