using System.Text.Json.Serialization;

namespace FluxServe.Server.Http;

/// <summary>The answer of <c>GET /v2/requests/{id}/status</c> (and each server-sent event).</summary>
public sealed record StatusAnswer(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("queue_position")] int? QueuePosition,
    [property: JsonPropertyName("progress")] ProgressBody? Progress,
    [property: JsonPropertyName("created_at")] string CreatedAt,
    [property: JsonPropertyName("started_at")] string? StartedAt,
    [property: JsonPropertyName("finished_at")] string? FinishedAt,
    [property: JsonPropertyName("error")] string? Error);
