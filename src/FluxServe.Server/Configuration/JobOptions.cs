namespace FluxServe.Server.Configuration;

/// <summary>Job lifetime settings (section <c>Jobs</c>).</summary>
public sealed class JobOptions
{
    /// <summary>How long a finished job's result and images are kept (API.md: 1 hour).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often expired results are deleted.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a v1 call waits before answering 504 (the job is then cancelled and refunded).</summary>
    public TimeSpan SyncTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Runs a job may start; a job found PROCESSING after a crash with this many attempts fails and is refunded.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Most jobs one worker fuses into one batch (further limited by the generator).</summary>
    public int MaxBatchJobs { get; set; } = 4;

    /// <summary>Base URL written into output links; empty: the scheme and host of each request.</summary>
    public string PublicBaseUrl { get; set; } = "";
}
