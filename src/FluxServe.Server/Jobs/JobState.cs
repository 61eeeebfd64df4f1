namespace FluxServe.Server.Jobs;

/// <summary>The states of API.md; a cancelled job is FAILED with a reason.</summary>
public enum JobState
{
    Queued,
    Processing,
    Completed,
    Failed,
}
