using System.Text.Json.Serialization;

namespace FluxServe.Server.Http;

/// <summary><c>metrics</c> of a v2 result (API.md "Headers on answers").</summary>
public sealed record JobMetrics(
    [property: JsonPropertyName("cost")] decimal Cost,
    [property: JsonPropertyName("remaining_credits")] decimal RemainingCredits,
    [property: JsonPropertyName("inference_time")] double? InferenceTime,
    [property: JsonPropertyName("queue_time")] double? QueueTime,
    [property: JsonPropertyName("total_time")] double? TotalTime);
