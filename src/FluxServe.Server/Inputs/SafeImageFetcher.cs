using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FluxServe.Server.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FluxServe.Server.Inputs;

/// <summary>Reads an input image parameter (http(s) URL, <c>data:</c> URI or raw base64) into the bytes of a JPEG, PNG or WebP
/// file, refusing anything that could reach the server's own network (docs/inputs.md). One instance serves every request.</summary>
/// <remarks>
/// The guard sits in the connect callback: the host is resolved once, every address is judged by <see cref="AddressPolicy"/>, and
/// the socket is connected to a judged address itself, so nothing is resolved twice and DNS rebinding has no window. A host whose
/// addresses are all refused is refused; otherwise only its allowed addresses are tried, in resolver order. Redirects are followed
/// by hand and each hop is checked again. HTTP/3 is never used because QUIC would not pass through the connect callback.
/// </remarks>
public sealed class SafeImageFetcher : IDisposable
{
    /// <summary>The parameter named in messages when no other is given.</summary>
    public const string DefaultField = "redux_image";

    private readonly long _maxBytes;
    private readonly TimeSpan _timeout;
    private readonly int _maxRedirects;
    private readonly AddressPolicy _policy;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private readonly ILogger _logger;
    private readonly HttpClient _client;

    /// <summary>A fetcher with the given limits and allow-list.</summary>
    /// <exception cref="ArgumentException">A limit is out of range or an allow-list entry does not parse.</exception>
    public SafeImageFetcher(IOptions<InputOptions> options, ILogger<SafeImageFetcher> logger)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Value, logger, Dns.GetHostAddressesAsync)
    {
    }

    /// <summary>As the public constructor, with the name resolver replaced (tests).</summary>
    internal SafeImageFetcher(InputOptions options, ILogger logger, Func<string, CancellationToken, Task<IPAddress[]>> resolve)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(resolve);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxImageBytes, 1, "Inputs:MaxImageBytes");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxImageBytes, Array.MaxLength, "Inputs:MaxImageBytes");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.FetchTimeout, TimeSpan.Zero, "Inputs:FetchTimeout");
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRedirects, "Inputs:MaxRedirects");
        _maxBytes = options.MaxImageBytes;
        _timeout = options.FetchTimeout;
        _maxRedirects = options.MaxRedirects;
        _policy = new AddressPolicy(options.AllowedAddresses);
        _resolve = resolve;
        _logger = logger;

        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PreAuthenticate = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectCallback = ConnectAsync,
            // A response abandoned over the cap is not drained: the connection is dropped at once.
            MaxResponseDrainSize = 0,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        _client = new HttpClient(handler, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan, // the fetch timeout covers all hops and the body; see DownloadAsync
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("FluxServe");
        _client.DefaultRequestHeaders.Accept.ParseAdd("image/jpeg, image/png, image/webp, */*;q=0.5");
    }

    /// <summary>The image bytes that <paramref name="value"/> (the <c>redux_image</c> parameter) names or carries.</summary>
    /// <exception cref="InputImageException">The value was refused; answer 400 with its message.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (not the fetch timeout).</exception>
    public Task<byte[]> FetchAsync(string value, CancellationToken cancellationToken) => FetchAsync(value, DefaultField, cancellationToken);

    /// <summary>The image bytes that <paramref name="value"/> names or carries; messages name <paramref name="field"/>.</summary>
    /// <exception cref="InputImageException">The value was refused; answer 400 with its message.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (not the fetch timeout).</exception>
    public async Task<byte[]> FetchAsync(string value, string field, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentException.ThrowIfNullOrEmpty(field);
        try
        {
            var reference = ImageReference.Parse(value, _maxBytes, field);
            byte[] bytes = reference.Data ?? await DownloadAsync(reference.Url!, field, cancellationToken).ConfigureAwait(false);
            if (ImageSignature.Detect(bytes) is null)
            {
                throw new InputImageException(field, InputImageReason.NotAnImage,
                    reference.Url is null
                        ? $"{field} is not a JPEG, PNG or WebP image."
                        : $"{field} points to {Origin(reference.Url)}, which did not answer with a JPEG, PNG or WebP image.", null);
            }

            return bytes;
        }
        catch (InputImageException refusal)
        {
            InputLog.Refused(_logger, refusal.Reason, refusal.Message);
            throw;
        }
    }

    public void Dispose() => _client.Dispose();

    private async Task<byte[]> DownloadAsync(Uri url, string field, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        Uri current = url;
        int redirects = 0;
        try
        {
            while (true)
            {
                CheckTarget(current, field, redirects > 0);
                using var request = new HttpRequestMessage(HttpMethod.Get, current);
                HttpResponseMessage response;
                try
                {
                    response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                }
                catch (HttpRequestException error) when (Find<RefusedConnectionException>(error) is { } refused)
                {
                    throw Refused(field, current, refused.Description, redirects > 0, error);
                }

                using (response)
                {
                    int status = (int)response.StatusCode;
                    if (status is 301 or 302 or 303 or 307 or 308)
                    {
                        Uri? location = response.Headers.Location;
                        if (location is null)
                        {
                            throw new InputImageException(field, InputImageReason.HttpStatus,
                                string.Create(CultureInfo.InvariantCulture, $"{field} could not be fetched: {Origin(current)} answered HTTP {status} without a usable Location."), null);
                        }

                        if (redirects >= _maxRedirects)
                        {
                            throw new InputImageException(field, InputImageReason.Redirect, _maxRedirects == 0
                                ? $"{field} was redirected, and this server follows no redirects."
                                : string.Create(CultureInfo.InvariantCulture, $"{field} was redirected more than {_maxRedirects} times."), null);
                        }

                        current = location.IsAbsoluteUri ? location : new Uri(current, location);
                        redirects++;
                        continue;
                    }

                    if (status is < 200 or > 299)
                    {
                        throw new InputImageException(field, InputImageReason.HttpStatus,
                            string.Create(CultureInfo.InvariantCulture, $"{field} could not be fetched: {Origin(current)} answered HTTP {status}."), null);
                    }

                    return await ReadBodyAsync(response, field, timeout.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or HttpRequestException
            && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new InputImageException(field, InputImageReason.Timeout,
                $"{field} could not be fetched from {Origin(current)} within {DescribeTime(_timeout)}.", error);
        }
        catch (Exception error) when (error is IOException or HttpRequestException && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The fetch was cancelled.", error, cancellationToken);
        }
        catch (HttpRequestException error)
        {
            bool unresolved = Find<SocketException>(error) is { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain };
            throw new InputImageException(field, InputImageReason.Unreachable, unresolved
                ? $"{field} could not be fetched: the host of {Origin(current)} could not be resolved."
                : $"{field} could not be fetched: no connection to {Origin(current)} could be made, or it broke.", error);
        }
        catch (IOException error)
        {
            throw new InputImageException(field, InputImageReason.Unreachable,
                $"{field} could not be fetched: the connection to {Origin(current)} broke.", error);
        }
    }

    private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, string field, CancellationToken cancellationToken)
    {
        long? declared = response.Content.Headers.ContentLength;
        if (declared > _maxBytes)
        {
            throw ImageReference.TooLarge(field, _maxBytes);
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            // Content-Length is the sender's claim: pre-size from it only up to 1 MiB, so that idle connections that declare
            // large bodies cannot make the server hold memory they have not sent.
            using var buffer = new MemoryStream((int)Math.Min(declared ?? 256 * 1024, Math.Min(_maxBytes, 1024 * 1024)));
            byte[] chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                int read;
                while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (buffer.Length + read > _maxBytes)
                    {
                        throw ImageReference.TooLarge(field, _maxBytes);
                    }

                    buffer.Write(chunk, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
        }
    }

    /// <summary>Refuses a bad scheme, a metadata host name or a refused literal address before any request; the connect callback
    /// checks again whatever is resolved.</summary>
    private void CheckTarget(Uri target, string field, bool redirected)
    {
        if (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)
        {
            throw redirected
                ? new InputImageException(field, InputImageReason.Redirect,
                    $"{field} was redirected to a '{target.Scheme}:' URL; only http and https redirects are followed.", null)
                : new InputImageException(field, InputImageReason.Scheme,
                    $"{field} must be an http(s) URL or base64 image data; the scheme '{target.Scheme}:' is not allowed.", null);
        }

        string host = target.IdnHost;
        if (host.Length == 0)
        {
            throw new InputImageException(field, redirected ? InputImageReason.Redirect : InputImageReason.Url,
                redirected ? $"{field} was redirected to a URL without a host." : $"{field} is a URL without a host.", null);
        }

        string? refusal = Judge(host);
        if (refusal is not null)
        {
            throw Refused(field, target, refusal, redirected, null);
        }
    }

    /// <summary>Why a literal or named host is refused before resolution, or null when it must be resolved to be judged.</summary>
    private string? Judge(string host)
    {
        string bare = Unbracket(host);
        if (AddressPolicy.IsRefusedHostName(bare))
        {
            return "a cloud metadata host";
        }

        return IPAddress.TryParse(bare, out var literal) ? _policy.Refusal(literal) : null;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        string host = Unbracket(context.DnsEndPoint.Host);
        int port = context.DnsEndPoint.Port;
        if (AddressPolicy.IsRefusedHostName(host))
        {
            throw new RefusedConnectionException("a cloud metadata host");
        }

        bool isLiteral = IPAddress.TryParse(host, out var literal);
        IPAddress[] candidates = isLiteral ? [literal!] : await _resolve(host, cancellationToken).ConfigureAwait(false);
        if (candidates.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        var allowed = new List<IPAddress>(candidates.Length);
        var refusals = new List<string>();
        foreach (var candidate in candidates)
        {
            string? refusal = _policy.Refusal(candidate);
            if (refusal is null)
            {
                allowed.Add(candidate);
            }
            else if (!refusals.Contains(refusal))
            {
                refusals.Add(refusal);
            }
        }

        if (allowed.Count == 0)
        {
            throw new RefusedConnectionException(isLiteral
                ? refusals[0]
                : $"a host that resolves only to addresses this server does not fetch from ({string.Join("; ", refusals)})");
        }

        SocketException? last = null;
        foreach (var address in allowed)
        {
            // Connect to the judged address itself: no second resolution can swap it.
            var target = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(target, port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException error)
            {
                socket.Dispose();
                last = error;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }

    private static InputImageException Refused(string field, Uri target, string description, bool redirected, Exception? inner) =>
        redirected
            ? new(field, InputImageReason.Redirect, $"{field} was redirected to {Origin(target)}, {description}, which this server does not follow.", inner)
            : new(field, InputImageReason.Address, $"{field} points to {Origin(target)}, {description}, which this server does not fetch from.", inner);

    /// <summary>Scheme, host and port only: never user info, path or query, which may carry credentials.</summary>
    private static string Origin(Uri url) => url.IsAbsoluteUri ? $"{url.Scheme}://{url.Authority}" : "a relative URL";

    private static string Unbracket(string host) => host.Length > 1 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;

    private static string DescribeTime(TimeSpan time) =>
        string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.###} seconds");

    private static T? Find<T>(Exception error)
        where T : Exception
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }
}
