using System.Text.Json.Serialization;

namespace FluxServe.Server.Http;

/// <summary>The answer to a v2 submit.</summary>
public sealed record SubmitAnswer(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("status_url")] string StatusUrl,
    [property: JsonPropertyName("response_url")] string ResponseUrl,
    [property: JsonPropertyName("events_url")] string EventsUrl,
    [property: JsonPropertyName("cancel_url")] string CancelUrl,
    [property: JsonPropertyName("queue_position")] int? QueuePosition);
