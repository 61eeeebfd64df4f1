namespace FluxServe.Server.Jobs;

/// <summary>The wire and database names of <see cref="JobState"/>.</summary>
public static class JobStates
{
    public static string Name(this JobState state) => state switch
    {
        JobState.Queued => "QUEUED",
        JobState.Processing => "PROCESSING",
        JobState.Completed => "COMPLETED",
        _ => "FAILED",
    };

    public static JobState Parse(string name) => name switch
    {
        "QUEUED" => JobState.Queued,
        "PROCESSING" => JobState.Processing,
        "COMPLETED" => JobState.Completed,
        _ => JobState.Failed,
    };

    public static bool IsFinished(this JobState state) => state is JobState.Completed or JobState.Failed;
}
