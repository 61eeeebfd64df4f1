using FluxServe.Server.Configuration;
using FluxServe.Server.Generation;
using FluxServe.Server.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FluxServe.Server.Jobs;

/// <summary>At start: recovers jobs a crash left running and refills the queue; then deletes expired results periodically.</summary>
public sealed class JobMaintenance : BackgroundService
{
    private readonly JobStore _store;
    private readonly JobQueue _queue;
    private readonly JobBoard _board;
    private readonly GeneratorRegistry _generators;
    private readonly ResultFiles _files;
    private readonly InputFiles _inputs;
    private readonly JobOptions _options;
    private readonly ILogger<JobMaintenance> _logger;

    public JobMaintenance(JobStore store, JobQueue queue, JobBoard board, GeneratorRegistry generators, ResultFiles files,
        InputFiles inputs, IOptions<JobOptions> options, ILogger<JobMaintenance> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _inputs = inputs;
        _store = store;
        _queue = queue;
        _board = board;
        _generators = generators;
        _files = files;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Recovers jobs left running by a crash and refills the queue; called once before the server starts.</summary>
    public void Recover()
    {
        var failed = _store.RecoverInterrupted(_options.MaxAttempts, _options.Retention);
        foreach (string id in failed)
        {
            ServerLog.JobGivenUp(_logger, id, _options.MaxAttempts);
        }

        int requeued = 0;
        var inputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var job in _store.ListQueued())
        {
            if (_generators.Find(job.Model) is null)
            {
                _store.Fail(job.Id, $"No worker can take the job: the model {job.Model} is not installed on this server. The request was refunded.",
                    _options.Retention);
                continue;
            }

            _board.Track(job.Id);
            _queue.Enqueue(new QueuedJob(job.Id, job.Sequence, job.Model, job.Parameters));
            requeued++;
            if (job.Parameters.InputImage is string input)
            {
                inputs.Add(input);
            }
        }

        int orphans = _files.DeleteOrphans(_store.ListOutputFiles()) + _inputs.DeleteOrphans(inputs);
        ServerLog.Recovered(_logger, requeued, failed.Count, orphans);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.SweepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    Sweep();
                }
#pragma warning disable CA1031 // A failed sweep is retried at the next tick.
                catch (Exception error)
#pragma warning restore CA1031
                {
                    ServerLog.BackgroundError(_logger, "result expiry", error);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Deletes expired jobs and their images.</summary>
    public int Sweep()
    {
        var files = _store.DeleteExpired();
        foreach (string file in files)
        {
            _files.Delete(file);
        }

        return files.Count;
    }
}
