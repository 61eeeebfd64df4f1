using System.Text.Json.Serialization;

namespace FluxServe.Client;

/// <summary>The answer to a v2 submit.</summary>
/// <param name="RequestId">The request id.</param>
/// <param name="Status">QUEUED (or the state of a replayed request).</param>
/// <param name="StatusUrl">Where to poll.</param>
/// <param name="ResponseUrl">Where the result will be.</param>
public sealed record SubmittedRequest(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("status_url")] Uri StatusUrl,
    [property: JsonPropertyName("response_url")] Uri ResponseUrl);
