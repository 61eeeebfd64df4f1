using System.Security.Cryptography;
using FluxServe.Server.Accounts;
using FluxServe.Server.Catalog;
using FluxServe.Server.Configuration;
using FluxServe.Server.Generation;
using FluxServe.Server.Storage;
using Microsoft.Extensions.Options;

namespace FluxServe.Server.Jobs;

/// <summary>Submits, cancels and describes jobs: the one code path under v1 and v2 (v1 is a v2 job plus a wait).</summary>
public sealed class JobService
{
    private readonly JobStore _store;
    private readonly JobQueue _queue;
    private readonly JobBoard _board;
    private readonly GeneratorRegistry _generators;
    private readonly InputFiles _inputs;
    private readonly JobOptions _options;
    private readonly PricingOptions _prices;

    public JobService(JobStore store, JobQueue queue, JobBoard board, GeneratorRegistry generators, InputFiles inputs, IOptions<JobOptions> options,
        IOptions<PricingOptions> prices)
    {
        _inputs = inputs;
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(prices);
        _store = store;
        _queue = queue;
        _board = board;
        _generators = generators;
        _options = options.Value;
        _prices = prices.Value;
    }

    public JobOptions Options => _options;

    /// <summary>Whether a worker can run jobs of <paramref name="model"/> (a generator is registered for it).</summary>
    public bool IsInstalled(string model) => _generators.Find(model) is not null;

    /// <summary>The price of a job in micro-credits (see <see cref="PricingOptions"/>).</summary>
    public long Cost(ModelEndpoint endpoint, JobParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!_prices.Models.TryGetValue(endpoint.PriceKey ?? endpoint.Name, out var price))
        {
            return 0;
        }

        decimal perImage = price.PerImage + (price.PerMegapixelStep * (decimal)parameters.Megapixels * parameters.Steps);
        return Credits.ToMicro(perImage * parameters.Samples);
    }

    /// <summary>Pays for and queues a job (or replays an idempotent one).</summary>
    public SubmitOutcome Submit(SubmitRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string id = NewRequestId();
        var job = new NewJob(id, request.Caller, request.Endpoint.Name, request.Endpoint.BaseModel, request.Parameters,
            Cost(request.Endpoint, request.Parameters), request.Sync, request.BaseUrl, request.WebhookUrl, request.IdempotencyKey, request.RequestHash);

        // Tracked before it is stored, so a worker's progress for it is never lost.
        _board.Track(id);
        var outcome = _store.Submit(job);
        if (outcome.Status == SubmitStatus.Accepted && outcome.Job is { } stored)
        {
            _queue.Enqueue(new QueuedJob(stored.Id, stored.Sequence, stored.Model, stored.Parameters));
        }
        else
        {
            _board.Finish(id);
        }

        return outcome;
    }

    /// <summary>Cancels a queued or running job with a refund; false when it had already finished.</summary>
    public bool Cancel(string id, string reason)
    {
        if (!_store.Fail(id, reason, _options.Retention))
        {
            return false;
        }

        bool wasQueued = _queue.Remove(id);
        _board.Cancel(id);
        _board.Finish(id);
        if (wasQueued && _store.Get(id)?.Parameters.InputImage is string input)
        {
            // A running job's worker deletes its input when the generation returns.
            _inputs.Delete(input);
        }

        return true;
    }

    public JobRecord? Get(string id)
    {
        var job = _store.Get(id);
        if (job is null || (job.ExpiresAt is long expires && expires <= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
        {
            return null;
        }

        return job;
    }

    public int? QueuePosition(string id) => _queue.Position(id);

    public (int Step, int TotalSteps)? Progress(string id) => _board.Progress(id);

    public Task WaitForChangeAsync(string id, TimeSpan timeout, CancellationToken cancellationToken) =>
        _board.WaitForChangeAsync(id, timeout, cancellationToken);

    public Task<bool> WaitFinishedAsync(string id, TimeSpan timeout, CancellationToken cancellationToken) =>
        _board.WaitFinishedAsync(id, timeout, cancellationToken);

    /// <summary>128 random bits as 32 hex digits with dashes (a UUID shape, unguessable).</summary>
    private static string NewRequestId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return new Guid(bytes).ToString("D");
    }
}
