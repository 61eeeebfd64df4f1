using System.Text.Json.Serialization;

namespace FluxServe.Server.Http;

/// <summary>A v1 answer in JSON (base64 asked for, several samples, or a JSON-only endpoint).</summary>
public sealed record SyncJsonAnswer(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("image")] string? Image,
    [property: JsonPropertyName("images")] IReadOnlyList<string>? Images,
    [property: JsonPropertyName("output")] IReadOnlyList<string> Output,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("metrics")] JobMetrics Metrics);
