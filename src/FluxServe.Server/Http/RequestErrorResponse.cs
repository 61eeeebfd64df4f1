using System.Text.Json.Serialization;

namespace FluxServe.Server.Http;

/// <summary>An error about one request id (504, 422 for a FAILED result of v1).</summary>
public sealed record RequestErrorResponse(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("status")] string Status);
