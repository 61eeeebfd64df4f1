using System.Text.Json.Serialization;

namespace FluxServe.Client;

/// <summary>The state of a v2 request.</summary>
/// <param name="RequestId">The request id.</param>
/// <param name="Status">QUEUED, PROCESSING, COMPLETED or FAILED.</param>
/// <param name="QueuePosition">1-based place in the queue while QUEUED.</param>
/// <param name="Progress">Step i of N while PROCESSING.</param>
/// <param name="Error">Why it FAILED.</param>
public sealed record RequestStatus(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("queue_position")] int? QueuePosition,
    [property: JsonPropertyName("progress")] RequestProgress? Progress,
    [property: JsonPropertyName("error")] string? Error);
