using FluxServe.Server.Catalog;

namespace FluxServe.Server.Inputs;

/// <summary>An input image parameter was refused; <see cref="Exception.Message"/> is one client-facing sentence that names the
/// field and the reason, and never carries URL credentials, query strings or base64 data. Answer it with 400.</summary>
public sealed class InputImageException : Exception
{
    public InputImageException()
        : this(InputImageReason.Invalid, $"{SafeImageFetcher.DefaultField} was refused.")
    {
    }

    public InputImageException(string message)
        : this(InputImageReason.Invalid, message)
    {
    }

    public InputImageException(string message, Exception innerException)
        : this(SafeImageFetcher.DefaultField, InputImageReason.Invalid, message, innerException)
    {
    }

    public InputImageException(string reason, string message)
        : this(SafeImageFetcher.DefaultField, reason, message, null)
    {
    }

    public InputImageException(string field, string reason, string message, Exception? innerException)
        : base(message, innerException)
    {
        Field = field;
        Reason = reason;
    }

    /// <summary>The request parameter (e.g. <c>redux_image</c>).</summary>
    public string Field { get; }

    /// <summary>A short code from <see cref="InputImageReason"/> (e.g. <c>address</c>, <c>too_large</c>).</summary>
    public string Reason { get; }

    /// <summary>The refusal as a field error of a 400 validation answer (the reason code is the rule).</summary>
    public FieldError ToFieldError() => new(Field, Reason, Message);
}
