namespace FluxServe.Server.Configuration;

/// <summary>Completion webhook delivery (section <c>Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    /// <summary>Deliveries tried before giving up (the first try included).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before the second try; doubled for every further try.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Time allowed for one delivery.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
