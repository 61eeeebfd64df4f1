using System.Collections.Concurrent;

namespace FluxServe.Server.Jobs;

/// <summary>Live progress of unfinished jobs, for status answers, server-sent events and v1 waits.</summary>
public sealed class JobBoard
{
    private readonly ConcurrentDictionary<string, LiveJob> _jobs = new(StringComparer.Ordinal);

    /// <summary>(step, total) of a running job, when known.</summary>
    public (int Step, int TotalSteps)? Progress(string id) =>
        _jobs.TryGetValue(id, out var job) && job.TotalSteps > 0 ? (job.Step, job.TotalSteps) : null;

    internal LiveJob Track(string id) => _jobs.GetOrAdd(id, static id => new LiveJob(id));

    internal void SetProgress(string id, int step, int totalSteps)
    {
        if (_jobs.TryGetValue(id, out var job))
        {
            job.SetProgress(step, totalSteps);
        }
    }

    internal void Signal(string id)
    {
        if (_jobs.TryGetValue(id, out var job))
        {
            job.Signal();
        }
    }

    /// <summary>Cancels the job's run token (the worker stops the batch when every job in it is cancelled).</summary>
    internal void Cancel(string id)
    {
        if (_jobs.TryGetValue(id, out var job))
        {
            job.Cancellation.Cancel();
        }
    }

    internal void Finish(string id)
    {
        if (_jobs.TryRemove(id, out var job))
        {
            job.Finished.TrySetResult();
            job.Signal();
        }
    }

    /// <summary>Completes when the job changes (progress, state) or when <paramref name="timeout"/> passes.</summary>
    public async Task WaitForChangeAsync(string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task changed = _jobs.TryGetValue(id, out var job) ? job.Changed : Task.Delay(Timeout.Infinite, cancellationToken);
        try
        {
            await changed.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>Waits until the job finishes; false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitFinishedAsync(string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(id, out var job))
        {
            return true;
        }

        try
        {
            await job.Finished.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
