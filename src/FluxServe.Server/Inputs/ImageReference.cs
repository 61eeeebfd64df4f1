using System.Buffers;
using System.Globalization;

namespace FluxServe.Server.Inputs;

/// <summary>An input image parameter, parsed: an http(s) URL to fetch, or bytes decoded from a <c>data:</c> URI or raw base64.</summary>
public sealed class ImageReference
{
    private ImageReference(Uri? url, byte[]? data)
    {
        Url = url;
        Data = data;
    }

    /// <summary>The http or https URL to fetch; null when the value carried the bytes.</summary>
    public Uri? Url { get; }

    /// <summary>The decoded bytes (not yet checked to be an image); null for a URL.</summary>
    public byte[]? Data { get; }

    /// <summary>Parses <paramref name="value"/>: <c>http(s)://...</c>, <c>data:[mediatype][;params];base64,...</c>, or raw base64
    /// (standard or URL-safe alphabet, whitespace ignored, padding optional).</summary>
    /// <param name="value">The parameter as the client sent it.</param>
    /// <param name="maxBytes">Largest decoded size; checked from the encoded length before anything is decoded.</param>
    /// <param name="field">The parameter's name, for messages.</param>
    /// <exception cref="InputImageException">Reasons <c>empty</c>, <c>scheme</c>, <c>url</c>, <c>base64</c>, <c>too_large</c>.</exception>
    public static ImageReference Parse(string value, long maxBytes, string field = SafeImageFetcher.DefaultField)
    {
        ArgumentNullException.ThrowIfNull(value);
        ReadOnlySpan<char> text = value.AsSpan().Trim();
        if (text.IsEmpty)
        {
            throw new InputImageException(field, InputImageReason.Empty, $"{field} is empty: send an http(s) URL or base64 image data.", null);
        }

        if (text.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return new(null, DecodeDataUri(text[5..], maxBytes, field));
        }

        int colon = SchemeLength(text);
        if (colon > 0)
        {
            string scheme = text[..colon].ToString().ToLowerInvariant();
            if (scheme is not ("http" or "https"))
            {
                throw new InputImageException(field, InputImageReason.Scheme,
                    $"{field} must be an http(s) URL or base64 image data; the scheme '{scheme}:' is not allowed.", null);
            }

            if (!Uri.TryCreate(text.ToString(), UriKind.Absolute, out var url) || url.Host.Length == 0)
            {
                throw new InputImageException(field, InputImageReason.Url, $"{field} is not a valid {scheme} URL.", null);
            }

            return new(url, null);
        }

        return new(null, DecodeBase64(text, maxBytes, field,
            $"{field} is neither an http(s) URL nor valid base64 image data."));
    }

    /// <summary>"20 MiB", "512 KiB" or "1000 bytes", for messages about the size cap.</summary>
    internal static string DescribeSize(long bytes) =>
        bytes % (1024 * 1024) == 0 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB")
        : bytes % 1024 == 0 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024} KiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");

    internal static InputImageException TooLarge(string field, long maxBytes) =>
        new(field, InputImageReason.TooLarge, $"{field} is larger than the {DescribeSize(maxBytes)} limit.", null);

    private static byte[] DecodeDataUri(ReadOnlySpan<char> rest, long maxBytes, string field)
    {
        int comma = rest.IndexOf(',');
        if (comma < 0)
        {
            throw new InputImageException(field, InputImageReason.Base64, $"{field} is a data URI without a comma before its data.", null);
        }

        // RFC 2397: data:[<mediatype>][;base64],<data>. The media type is not trusted (the bytes are sniffed later); base64 is required.
        ReadOnlySpan<char> header = rest[..comma];
        int lastSemicolon = header.LastIndexOf(';');
        if (lastSemicolon < 0 || !header[(lastSemicolon + 1)..].Trim().Equals("base64", StringComparison.OrdinalIgnoreCase))
        {
            throw new InputImageException(field, InputImageReason.Base64,
                $"{field} is a data URI that is not base64-encoded; send data:image/png;base64,... (or jpeg, webp).", null);
        }

        ReadOnlySpan<char> payload = rest[(comma + 1)..];
        if (payload.Contains('%'))
        {
            payload = Uri.UnescapeDataString(payload.ToString());
        }

        return DecodeBase64(payload, maxBytes, field, $"{field} is a data URI whose base64 data is not valid.");
    }

    private static byte[] DecodeBase64(ReadOnlySpan<char> text, long maxBytes, string field, string invalidMessage)
    {
        // Pass 1: validate the alphabet and count the data characters, so the size cap is applied before any decoding.
        long significant = 0;
        int padding = 0;
        foreach (char c in text)
        {
            if (c is ' ' or '\t' or '\r' or '\n' or '\f')
            {
                continue;
            }

            if (c == '=')
            {
                padding++;
                continue;
            }

            if (padding > 0 || !IsBase64Char(c))
            {
                throw new InputImageException(field, InputImageReason.Base64, invalidMessage, null);
            }

            significant++;
        }

        if (significant == 0 || padding > 2 || significant % 4 == 1)
        {
            throw new InputImageException(field, InputImageReason.Base64, invalidMessage, null);
        }

        long decodedLength = significant * 3 / 4;
        if (decodedLength > maxBytes)
        {
            throw TooLarge(field, maxBytes);
        }

        // Pass 2: the standard alphabet, padded, without whitespace; then one decode into an exactly sized array.
        int paddedLength = checked((int)((significant + 3) / 4 * 4));
        char[] buffer = ArrayPool<char>.Shared.Rent(paddedLength);
        try
        {
            int n = 0;
            foreach (char c in text)
            {
                switch (c)
                {
                    case ' ' or '\t' or '\r' or '\n' or '\f' or '=':
                        break;
                    case '-':
                        buffer[n++] = '+';
                        break;
                    case '_':
                        buffer[n++] = '/';
                        break;
                    default:
                        buffer[n++] = c;
                        break;
                }
            }

            while (n < paddedLength)
            {
                buffer[n++] = '=';
            }

            byte[] bytes = new byte[decodedLength];
            if (!Convert.TryFromBase64Chars(buffer.AsSpan(0, paddedLength), bytes, out int written) || written != bytes.Length)
            {
                throw new InputImageException(field, InputImageReason.Base64, invalidMessage, null);
            }

            return bytes;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static bool IsBase64Char(char c) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '+' or '/' or '-' or '_';

    /// <summary>Length of an RFC 3986 scheme before a ':' at the start of <paramref name="text"/>, or 0. Base64 never contains ':'.</summary>
    private static int SchemeLength(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || !char.IsAsciiLetter(text[0]))
        {
            return 0;
        }

        for (int i = 1; i < text.Length && i <= 64; i++)
        {
            char c = text[i];
            if (c == ':')
            {
                return i;
            }

            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
            {
                return 0;
            }
        }

        return 0;
    }
}
