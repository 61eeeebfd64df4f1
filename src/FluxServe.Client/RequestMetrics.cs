using System.Text.Json.Serialization;

namespace FluxServe.Client;

/// <summary>The <c>metrics</c> of a result.</summary>
/// <param name="Cost">Credits charged (0 when refunded).</param>
/// <param name="RemainingCredits">The account's balance when the result was read.</param>
/// <param name="InferenceTime">Server compute seconds.</param>
/// <param name="QueueTime">Seconds queued.</param>
/// <param name="TotalTime">Seconds from submit to end.</param>
public sealed record RequestMetrics(
    [property: JsonPropertyName("cost")] decimal Cost,
    [property: JsonPropertyName("remaining_credits")] decimal RemainingCredits,
    [property: JsonPropertyName("inference_time")] double? InferenceTime,
    [property: JsonPropertyName("queue_time")] double? QueueTime,
    [property: JsonPropertyName("total_time")] double? TotalTime);
