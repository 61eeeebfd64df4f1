namespace FluxServe.Server.Inputs;

/// <summary>The codes of <see cref="InputImageException.Reason"/> (docs/inputs.md "Reason codes").</summary>
public static class InputImageReason
{
    /// <summary>Empty value.</summary>
    public const string Empty = "empty";

    /// <summary>A URL scheme other than http or https (file:, ftp:, gopher:, javascript:...).</summary>
    public const string Scheme = "scheme";

    /// <summary>An http(s) URL that does not parse or has no host.</summary>
    public const string Url = "url";

    /// <summary>The host is, or resolves only to, a refused address, or is a refused host name (cloud metadata).</summary>
    public const string Address = "address";

    /// <summary>A redirect to a refused scheme, host or address, or more redirects than allowed.</summary>
    public const string Redirect = "redirect";

    /// <summary>Larger than the size cap (declared, streamed or base64).</summary>
    public const string TooLarge = "too_large";

    /// <summary>The download did not finish within the fetch timeout.</summary>
    public const string Timeout = "timeout";

    /// <summary>The image server answered with a status other than 2xx (or a redirect without a location).</summary>
    public const string HttpStatus = "http_status";

    /// <summary>The bytes are not a JPEG, PNG or WebP file.</summary>
    public const string NotAnImage = "not_an_image";

    /// <summary>Neither a URL nor valid base64 (or a data URI without <c>;base64</c>).</summary>
    public const string Base64 = "base64";

    /// <summary>The host name did not resolve, or no connection could be made, or the connection broke.</summary>
    public const string Unreachable = "unreachable";

    /// <summary>Used only by the parameterless exception constructors.</summary>
    public const string Invalid = "invalid";
}
