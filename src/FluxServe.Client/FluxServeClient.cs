using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace FluxServe.Client;

/// <summary>A .NET client for a FluxServe server (or the hosted API it is compatible with), over HTTP only.</summary>
/// <remarks>The client does not own <paramref name="http"/>; share one <see cref="HttpClient"/> per server.</remarks>
/// <param name="http">An HTTP client whose <see cref="HttpClient.BaseAddress"/> is the server's base URL.</param>
/// <param name="apiKey">The API key sent as <c>x-api-key</c> on every call (null: none, for /healthz).</param>
public sealed class FluxServeClient(HttpClient http, string? apiKey = null)
{
    private readonly HttpClient _http = http ?? throw new ArgumentNullException(nameof(http));

    /// <summary>Asks the server whether it is alive (<c>GET /healthz</c>).</summary>
    /// <returns>The status the server reports ("ok" when healthy).</returns>
    /// <exception cref="HttpRequestException">The server did not answer 200.</exception>
    public async Task<string> GetHealthAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync(new Uri("healthz", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.HealthBody, cancellationToken).ConfigureAwait(false);
        return body?.Status ?? throw new HttpRequestException("The server answered /healthz without a status.");
    }

    /// <summary>Runs a model synchronously (<c>POST /v1/{model}</c>) and returns the first image.</summary>
    /// <param name="model">The endpoint name, e.g. <c>flux-schnell</c>.</param>
    /// <param name="request">The parameters.</param>
    /// <param name="cancellationToken">Cancels the wait (the server then cancels and refunds the job).</param>
    /// <exception cref="FluxServeException">The server answered an error (its status and sentence).</exception>
    public async Task<GeneratedImage> GenerateAsync(string model, TextToImageRequest request, CancellationToken cancellationToken = default)
    {
        using var message = NewRequest(HttpMethod.Post, $"v1/{Uri.EscapeDataString(model)}");
        message.Content = JsonContent.Create(request, ClientJsonContext.Default.TextToImageRequest);
        message.Headers.Accept.ParseAdd("image/*");
        using var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await ThrowOnErrorAsync(response, cancellationToken).ConfigureAwait(false);
        string mediaType = response.Content.Headers.ContentType?.MediaType ?? "application/octet-stream";
        byte[] bytes;
        if (mediaType == "application/json")
        {
            var json = await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.SyncResultBody, cancellationToken).ConfigureAwait(false);
            if (json?.Image is null)
            {
                throw new FluxServeException(response.StatusCode, "The server answered JSON without an image; ask with Base64 = true.");
            }

            bytes = Convert.FromBase64String(json.Image);
        }
        else
        {
            bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }

        return new GeneratedImage(bytes, mediaType, Header(response, "x-request-id") ?? "",
            ulong.TryParse(Header(response, "x-seed-value"), NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed) ? seed : 0,
            decimal.TryParse(Header(response, "x-remaining-credits"), NumberStyles.Number, CultureInfo.InvariantCulture, out decimal credits) ? credits : null);
    }

    /// <summary>Queues a job (<c>POST /v2/{model}</c>) and returns its id at once.</summary>
    /// <param name="model">The endpoint name.</param>
    /// <param name="request">The parameters.</param>
    /// <param name="idempotencyKey">Optional: a repeat with the same key and body returns the first request.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="FluxServeException">The server answered an error.</exception>
    public async Task<SubmittedRequest> SubmitAsync(string model, TextToImageRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        using var message = NewRequest(HttpMethod.Post, $"v2/{Uri.EscapeDataString(model)}");
        message.Content = JsonContent.Create(request, ClientJsonContext.Default.TextToImageRequest);
        if (idempotencyKey is not null)
        {
            message.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await ThrowOnErrorAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.SubmittedRequest, cancellationToken).ConfigureAwait(false)
            ?? throw new FluxServeException(response.StatusCode, "Empty answer to a submit.");
    }

    /// <summary>The state of a request (<c>GET /v2/requests/{id}/status</c>).</summary>
    /// <exception cref="FluxServeException">Unknown or expired id (404), or another error.</exception>
    public async Task<RequestStatus> GetStatusAsync(string requestId, CancellationToken cancellationToken = default)
    {
        using var message = NewRequest(HttpMethod.Get, $"v2/requests/{Uri.EscapeDataString(requestId)}/status");
        using var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await ThrowOnErrorAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.RequestStatus, cancellationToken).ConfigureAwait(false)
            ?? throw new FluxServeException(response.StatusCode, "Empty status.");
    }

    /// <summary>The result of a request (<c>GET /v2/requests/{id}</c>); a FAILED request is returned with its
    /// <see cref="RequestResult.Error"/>, not thrown.</summary>
    /// <exception cref="FluxServeException">Unknown or expired id (404), or another error.</exception>
    public async Task<RequestResult> GetResultAsync(string requestId, CancellationToken cancellationToken = default)
    {
        using var message = NewRequest(HttpMethod.Get, $"v2/requests/{Uri.EscapeDataString(requestId)}");
        using var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.UnprocessableEntity)
        {
            await ThrowOnErrorAsync(response, cancellationToken).ConfigureAwait(false);
        }

        return await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.RequestResult, cancellationToken).ConfigureAwait(false)
            ?? throw new FluxServeException(response.StatusCode, "Empty result.");
    }

    /// <summary>Polls the status until the request is COMPLETED or FAILED, then returns the result.</summary>
    /// <param name="requestId">The request.</param>
    /// <param name="interval">Time between polls (default 1 s, as the hosted SDK).</param>
    /// <param name="cancellationToken">Stops waiting (the job goes on).</param>
    public async Task<RequestResult> WaitAsync(string requestId, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var status = await GetStatusAsync(requestId, cancellationToken).ConfigureAwait(false);
            if (status.Status is "COMPLETED" or "FAILED")
            {
                return await GetResultAsync(requestId, cancellationToken).ConfigureAwait(false);
            }

            await Task.Delay(interval ?? TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Cancels a queued or running request (it is refunded).</summary>
    /// <returns>False when the request had already finished.</returns>
    /// <exception cref="FluxServeException">Unknown or expired id (404), or another error.</exception>
    public async Task<bool> CancelAsync(string requestId, CancellationToken cancellationToken = default)
    {
        using var message = NewRequest(HttpMethod.Post, $"v2/requests/{Uri.EscapeDataString(requestId)}/cancel");
        using var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        await ThrowOnErrorAsync(response, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Downloads an output image (a link of <see cref="RequestResult.Output"/>; no key needed).</summary>
    public Task<byte[]> DownloadAsync(Uri output, CancellationToken cancellationToken = default) =>
        _http.GetByteArrayAsync(output, cancellationToken);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static async Task ThrowOnErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        string message = text;
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error))
            {
                message = error.GetString() ?? text;
            }
        }
        catch (JsonException)
        {
        }

        throw new FluxServeException(response.StatusCode, message);
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string path)
    {
        var message = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (apiKey is not null)
        {
            message.Headers.Add("x-api-key", apiKey);
        }

        return message;
    }
}
