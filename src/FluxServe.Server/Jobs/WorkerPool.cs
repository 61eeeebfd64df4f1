using System.Diagnostics;
using System.Security.Cryptography;
using FluxServe.Pipelines.Imaging;
using FluxServe.Server.Configuration;
using FluxServe.Server.Generation;
using FluxServe.Server.Loras;
using FluxServe.Server.Metrics;
using FluxServe.Server.Storage;
using FluxServe.Server.Webhooks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FluxServe.Server.Jobs;

/// <summary>One worker per device that has a generator; each takes batches from the queue and runs them.</summary>
public sealed class WorkerPool : BackgroundService
{
    private readonly JobQueue _queue;
    private readonly JobStore _store;
    private readonly JobBoard _board;
    private readonly GeneratorRegistry _generators;
    private readonly ResultFiles _files;
    private readonly InputFiles _inputs;
    private readonly LoraStore _loras;
    private readonly ISafetyChecker? _safety;
    private readonly ServerMetrics _metrics;
    private readonly WebhookDispatcher _webhooks;
    private readonly JobOptions _options;
    private readonly ILogger<WorkerPool> _logger;

    public WorkerPool(JobQueue queue, JobStore store, JobBoard board, GeneratorRegistry generators, ResultFiles files, InputFiles inputs,
        LoraStore loras, IEnumerable<ISafetyChecker> safety, ServerMetrics metrics, WebhookDispatcher webhooks, IOptions<JobOptions> options,
        ILogger<WorkerPool> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(safety);
        _inputs = inputs;
        _loras = loras;
        _safety = safety.FirstOrDefault();
        _queue = queue;
        _store = store;
        _board = board;
        _generators = generators;
        _files = files;
        _metrics = metrics;
        _webhooks = webhooks;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>How the error of a job that failed inside the server (not for a reason of the request) begins.</summary>
    public const string InternalFailurePrefix = "The generation failed on the server";

    /// <summary>Workers running now (for /readyz).</summary>
    public int RunningWorkers { get; private set; }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var devices = _generators.Devices;
        RunningWorkers = devices.Count;
        return Task.WhenAll(devices.Select(device => Task.Run(() => RunDeviceAsync(device, stoppingToken), CancellationToken.None)));
    }

    private async Task RunDeviceAsync(string device, CancellationToken stopping)
    {
        var generators = _generators.OnDevice(device).ToDictionary(g => g.Model, StringComparer.Ordinal);
        var models = generators.Keys.ToHashSet(StringComparer.Ordinal);
        int maxBatch = Math.Max(1, Math.Min(_options.MaxBatchJobs, generators.Values.Max(g => g.MaxBatchItems)));
        string modelList = string.Join(", ", models);
        ServerLog.WorkerStarted(_logger, device, modelList);
        while (!stopping.IsCancellationRequested)
        {
            IReadOnlyList<QueuedJob> taken;
            try
            {
                taken = await _queue.TakeBatchAsync(models, maxBatch, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            try
            {
                var generator = generators[taken[0].Model];
                var claimed = _store.Claim(taken.Take(Math.Max(1, generator.MaxBatchItems)).Select(j => j.Id).ToList());
                foreach (var extra in taken.Skip(Math.Max(1, generator.MaxBatchItems)))
                {
                    _queue.Enqueue(extra);
                }

                if (claimed.Count > 0)
                {
                    await RunBatchAsync(generator, claimed, stopping).ConfigureAwait(false);
                }
            }
#pragma warning disable CA1031 // The worker outlives a failing store call; the jobs stay in the store and are recovered.
            catch (Exception error) when (!stopping.IsCancellationRequested)
#pragma warning restore CA1031
            {
                ServerLog.WorkerError(_logger, device, error);
                foreach (var job in taken)
                {
                    // Back in the queue only if the store still has it queued (a claim may not have happened).
                    if (_store.Get(job.Id) is { State: JobState.Queued })
                    {
                        _queue.Enqueue(job);
                    }
                }

                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task RunBatchAsync(IImageGenerator generator, IReadOnlyList<JobRecord> jobs, CancellationToken stopping)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var live = new List<LiveJob>(jobs.Count);
        foreach (var job in jobs)
        {
            _metrics.QueueSeconds.Observe((now - job.CreatedAt) / 1000.0);
            var tracked = _board.Track(job.Id);
            tracked.SetProgress(0, job.Parameters.Steps);
            live.Add(tracked);
        }

        using var batchCancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        int uncancelled = jobs.Count;
        var registrations = live.Select(j => j.Cancellation.Token.Register(() =>
        {
            if (Interlocked.Decrement(ref uncancelled) == 0)
            {
                batchCancellation.Cancel();
            }
        })).ToList();

        var first = jobs[0].Parameters;
        LoraSelection? lora = null;
        if (first.LoraId is string loraId)
        {
            if (_loras.Get(loraId) is not { RemovedAt: null } record)
            {
                foreach (var registration in registrations)
                {
                    registration.Dispose();
                }

                FailAll(jobs, $"The LoRA endpoint of this request was removed from the server before the job ran. The request was refunded.");
                return;
            }

            lora = new LoraSelection(record.Id, record.FilePath, first.LoraStrength);
        }

        var request = new GenerationRequest(generator.Model, first.Width, first.Height, first.Steps, SamplerNameForGenerator(first.Sampler),
            first.Scheduler, first.Denoise, first.Guidance, first.OutputFormat, first.OutputQuality,
            jobs.Select(j => new GenerationItem(j.Parameters.Prompt, j.Parameters.Seed, j.Parameters.Samples,
                j.Parameters.InputImage is string input ? _inputs.PathOf(input) : null)).ToList(), lora);
        var progress = new BatchProgress(_board, _metrics, jobs);
        var clock = Stopwatch.StartNew();
        GeneratedImages images;
        try
        {
            images = await generator.GenerateAsync(request, progress, batchCancellation.Token).ConfigureAwait(false);
            if (images.Items.Count != jobs.Count)
            {
                throw new InvalidOperationException($"The {generator.Model} generator returned {images.Items.Count} items for {jobs.Count} jobs.");
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            foreach (var job in jobs)
            {
                if (_store.Requeue(job.Id))
                {
                    ServerLog.JobRequeued(_logger, job.Id);
                }
            }

            return;
        }
        catch (OperationCanceledException) when (Volatile.Read(ref uncancelled) <= 0)
        {
            DeleteInputs(jobs);
            return; // every job was cancelled (failed and refunded by the cancel itself)
        }
        catch (GenerationRejectedException rejected)
        {
            FailAll(jobs, rejected.Message);
            return;
        }
#pragma warning disable CA1031 // A generator's failure must fail its jobs (refunded), not the worker.
        catch (Exception error)
#pragma warning restore CA1031
        {
            foreach (var job in jobs)
            {
                ServerLog.JobCrashed(_logger, job.Id, error);
            }

            FailAll(jobs, null);
            return;
        }
        finally
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
        }

        double seconds = clock.Elapsed.TotalSeconds;
        for (int i = 0; i < jobs.Count; i++)
        {
            string? blocked;
            try
            {
                blocked = Screen(jobs[i], images.Items[i]);
            }
#pragma warning disable CA1031 // A checker that fails must fail its job closed (refunded), not the worker or the batch.
            catch (Exception error)
#pragma warning restore CA1031
            {
                ServerLog.JobCrashed(_logger, jobs[i].Id, error);
                FailAll([jobs[i]], null);
                continue;
            }

            if (blocked is not null)
            {
                FailAll([jobs[i]], blocked);
                continue;
            }

            await StoreResultAsync(jobs[i], images.Items[i], seconds).ConfigureAwait(false);
        }

        DeleteInputs(jobs);
    }

    /// <summary>Runs the safety checker over a job's images unless it is absent or the client disabled it; the failure
    /// message when one is blocked, else null.</summary>
    private string? Screen(JobRecord job, IReadOnlyList<GeneratedImage> images)
    {
        if (_safety is null || job.Parameters.DisableSafetyChecker)
        {
            return null;
        }

        foreach (var image in images)
        {
            using var pixels = ImageDecoder.Decode(image.Bytes.Span);
            var verdict = _safety.Check(pixels, CancellationToken.None);
            if (verdict.Blocked)
            {
                ServerLog.ImageBlocked(_logger, job.Id, _safety.Name);
                return $"The generated image was blocked by the safety checker ({verdict.Reason ?? "content policy"}). The request was refunded.";
            }
        }

        return null;
    }

    private void DeleteInputs(IReadOnlyList<JobRecord> jobs)
    {
        foreach (var job in jobs)
        {
            if (job.Parameters.InputImage is string input)
            {
                _inputs.Delete(input);
            }
        }
    }

    private async Task StoreResultAsync(JobRecord job, IReadOnlyList<GeneratedImage> images, double seconds)
    {
        try
        {
            if (images.Count != job.Parameters.Samples)
            {
                throw new InvalidOperationException($"The generator returned {images.Count} images for {job.Parameters.Samples} samples.");
            }

            var outputs = new List<JobOutput>(images.Count);
            foreach (var image in images)
            {
                var output = new JobOutput(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), image.Format);
                await _files.WriteAsync(output.FileName, image.Bytes, CancellationToken.None).ConfigureAwait(false);
                outputs.Add(output);
            }

            if (_store.Complete(job.Id, new JobResult(outputs, seconds), _options.Retention))
            {
                _metrics.JobCompleted();
                _metrics.JobSeconds.Observe(seconds);
                _webhooks.Notify();
            }
            else
            {
                // Cancelled while it ran: the cancel already failed and refunded it.
                foreach (var output in outputs)
                {
                    _files.Delete(output.FileName);
                }
            }
        }
#pragma warning disable CA1031 // Storing one job's images must not stop the others of the batch.
        catch (Exception error)
#pragma warning restore CA1031
        {
            ServerLog.JobCrashed(_logger, job.Id, error);
            FailAll([job], null);
            return;
        }
        finally
        {
            _board.Finish(job.Id);
        }
    }

    private void FailAll(IReadOnlyList<JobRecord> jobs, string? reason)
    {
        DeleteInputs(jobs);
        foreach (var job in jobs)
        {
            string message = reason ?? $"{InternalFailurePrefix}; reference {job.Id}. The request was refunded.";
            if (_store.Fail(job.Id, message, _options.Retention))
            {
                _metrics.JobFailed();
            }

            _board.Finish(job.Id);
        }

        _webhooks.Notify();
    }

    private static string SamplerNameForGenerator(string apiName) => Catalog.SamplerNames.ToComfyName(apiName);

    /// <summary>Forwards a batch's step reports to each job's live state, synchronously (no thread hop per step).</summary>
    private sealed class BatchProgress(JobBoard board, ServerMetrics metrics, IReadOnlyList<JobRecord> jobs) : IProgress<StepProgress>
    {
        private long _lastTicks = Stopwatch.GetTimestamp();

        public void Report(StepProgress value)
        {
            long now = Stopwatch.GetTimestamp();
            long last = Interlocked.Exchange(ref _lastTicks, now);
            if (value.Step > 0)
            {
                metrics.StepSeconds.Observe(Stopwatch.GetElapsedTime(last, now).TotalSeconds);
            }

            foreach (var job in jobs)
            {
                board.SetProgress(job.Id, value.Step, value.TotalSteps);
            }
        }
    }
}
