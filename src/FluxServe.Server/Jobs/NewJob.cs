using FluxServe.Server.Accounts;
using FluxServe.Server.Catalog;

namespace FluxServe.Server.Jobs;

/// <summary>A job about to be submitted.</summary>
public sealed record NewJob(
    string Id,
    Caller Caller,
    string Endpoint,
    string Model,
    JobParameters Parameters,
    long CostMicro,
    bool Sync,
    string BaseUrl,
    string? WebhookUrl,
    string? IdempotencyKey,
    byte[]? RequestHash);
