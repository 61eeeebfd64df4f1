namespace FluxServe.Server.Jobs;

/// <summary>What is known in memory about an unfinished job: progress, a change signal, its cancellation.</summary>
internal sealed class LiveJob
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LiveJob(string id) => Id = id;

    public string Id { get; }

    public CancellationTokenSource Cancellation { get; } = new();

    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Step { get; private set; }

    public int TotalSteps { get; private set; }

    public Task Changed
    {
        get
        {
            lock (_lock)
            {
                return _changed.Task;
            }
        }
    }

    public void SetProgress(int step, int totalSteps)
    {
        (Step, TotalSteps) = (step, totalSteps);
        Signal();
    }

    public void Signal()
    {
        TaskCompletionSource previous;
        lock (_lock)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }
}
