using FluxServe.Server.Catalog;

namespace FluxServe.Server.Jobs;

/// <summary>A job as stored. Times are Unix milliseconds.</summary>
public sealed record JobRecord
{
    public required string Id { get; init; }

    public required long Sequence { get; init; }

    public required long AccountId { get; init; }

    public required string KeyId { get; init; }

    /// <summary>The endpoint the client called (<c>fast-flux-schnell</c>).</summary>
    public required string Endpoint { get; init; }

    /// <summary>The base model that runs it (<c>flux-schnell</c>).</summary>
    public required string Model { get; init; }

    public required JobParameters Parameters { get; init; }

    public required JobState State { get; init; }

    public required long CostMicro { get; init; }

    public required bool Refunded { get; init; }

    public required int Attempts { get; init; }

    public required bool Sync { get; init; }

    public required long CreatedAt { get; init; }

    public long? StartedAt { get; init; }

    public long? FinishedAt { get; init; }

    public long? ExpiresAt { get; init; }

    public string? Error { get; init; }

    public JobResult? Result { get; init; }

    /// <summary>The scheme and host the job was submitted to, for output links in webhooks.</summary>
    public required string BaseUrl { get; init; }

    public string? WebhookUrl { get; init; }

    public string? WebhookState { get; init; }

    public int WebhookAttempts { get; init; }
}
