using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace FluxServe.Client;

/// <summary>A .NET client for a FluxServe server (or the hosted API it is compatible with), over HTTP only.</summary>
/// <remarks>The client does not own <paramref name="http"/>; share one <see cref="HttpClient"/> per server.</remarks>
/// <param name="http">An HTTP client whose <see cref="HttpClient.BaseAddress"/> is the server's base URL.</param>
public sealed class FluxServeClient(HttpClient http)
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
}

/// <summary>The body of <c>GET /healthz</c>.</summary>
/// <param name="Status">The server's status word.</param>
internal sealed record HealthBody([property: JsonPropertyName("status")] string Status);

[JsonSerializable(typeof(HealthBody))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
