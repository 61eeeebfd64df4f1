namespace FluxServe.Server.Configuration;

/// <summary>Per-key rate limits (section <c>RateLimits</c>): fixed windows, one for submits and one for reads.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Generation calls (POST /v1, /v2) per key per window.</summary>
    public int SubmitsPerWindow { get; set; } = 120;

    /// <summary>Reads (status, results, events, cancel) per key per window.</summary>
    public int ReadsPerWindow { get; set; } = 6000;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
