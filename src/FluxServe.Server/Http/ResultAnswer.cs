using System.Text.Json.Serialization;

namespace FluxServe.Server.Http;

/// <summary>The answer of <c>GET /v2/requests/{id}</c> (and the webhook body).</summary>
public sealed record ResultAnswer(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("output")] IReadOnlyList<string>? Output,
    [property: JsonPropertyName("seed_value")] string SeedText,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("metrics")] JobMetrics Metrics);
