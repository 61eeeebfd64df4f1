namespace FluxServe.Server.Jobs;

/// <summary>The in-memory order of QUEUED jobs (the store is the truth; this is rebuilt from it at start).</summary>
/// <remarks>
/// First come, first served per model; a worker takes the oldest job it can run plus younger ones with the same model
/// and batch key (DESIGN.md: same model, size, steps and sampler may share a batch).
/// </remarks>
public sealed class JobQueue
{
    private readonly Lock _lock = new();
    private readonly List<QueuedJob> _jobs = [];
    private readonly List<SemaphoreSlim> _waiters = [];

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _jobs.Count;
            }
        }
    }

    public void Enqueue(QueuedJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (_lock)
        {
            int at = _jobs.Count;
            while (at > 0 && _jobs[at - 1].Sequence > job.Sequence)
            {
                at--;
            }

            _jobs.Insert(at, job);
            foreach (var waiter in _waiters)
            {
                if (waiter.CurrentCount == 0)
                {
                    waiter.Release();
                }
            }
        }
    }

    public bool Remove(string id)
    {
        lock (_lock)
        {
            int i = _jobs.FindIndex(j => j.Id == id);
            if (i < 0)
            {
                return false;
            }

            _jobs.RemoveAt(i);
            return true;
        }
    }

    /// <summary>1-based position among queued jobs of the same model, or null when not queued.</summary>
    public int? Position(string id)
    {
        lock (_lock)
        {
            int i = _jobs.FindIndex(j => j.Id == id);
            if (i < 0)
            {
                return null;
            }

            string model = _jobs[i].Model;
            int ahead = 0;
            for (int k = 0; k < i; k++)
            {
                if (_jobs[k].Model == model)
                {
                    ahead++;
                }
            }

            return ahead + 1;
        }
    }

    /// <summary>Waits for and removes a batch: the oldest job of one of <paramref name="models"/> and up to
    /// <paramref name="maxJobs"/> − 1 later jobs with the same model and batch key.</summary>
    public async Task<IReadOnlyList<QueuedJob>> TakeBatchAsync(IReadOnlySet<string> models, int maxJobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(models);
        using var signal = new SemaphoreSlim(0, 1);
        lock (_lock)
        {
            _waiters.Add(signal);
        }

        try
        {
            while (true)
            {
                var batch = TryTake(models, Math.Max(1, maxJobs));
                if (batch is not null)
                {
                    return batch;
                }

                await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_lock)
            {
                _waiters.Remove(signal);
            }
        }
    }

    private List<QueuedJob>? TryTake(IReadOnlySet<string> models, int maxJobs)
    {
        lock (_lock)
        {
            int first = _jobs.FindIndex(j => models.Contains(j.Model));
            if (first < 0)
            {
                return null;
            }

            var head = _jobs[first];
            string key = head.Parameters.BatchKey;
            var batch = new List<QueuedJob> { head };
            for (int i = first + 1; i < _jobs.Count && batch.Count < maxJobs; i++)
            {
                if (_jobs[i].Model == head.Model && _jobs[i].Parameters.BatchKey == key)
                {
                    batch.Add(_jobs[i]);
                }
            }

            foreach (var job in batch)
            {
                _jobs.Remove(job);
            }

            return batch;
        }
    }
}
