using System.Text.Json.Serialization;

namespace FluxServe.Client;

/// <summary>The result of a v2 request.</summary>
/// <param name="RequestId">The request id.</param>
/// <param name="Status">COMPLETED or FAILED (or still QUEUED/PROCESSING).</param>
/// <param name="Output">Links to the images (no key needed; they expire with the result).</param>
/// <param name="Seed">The seed used.</param>
/// <param name="Error">Why it FAILED.</param>
/// <param name="Metrics">Cost, balance and timings.</param>
public sealed record RequestResult(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("output")] IReadOnlyList<Uri>? Output,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("metrics")] RequestMetrics? Metrics);
