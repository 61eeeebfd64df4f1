using FluxServe.Server.Accounts;
using FluxServe.Server.Catalog;

namespace FluxServe.Server.Jobs;

/// <summary>A validated generation call, v1 or v2.</summary>
public sealed record SubmitRequest(
    Caller Caller,
    ModelEndpoint Endpoint,
    JobParameters Parameters,
    bool Sync,
    string BaseUrl,
    string? WebhookUrl,
    string? IdempotencyKey,
    byte[]? RequestHash);
