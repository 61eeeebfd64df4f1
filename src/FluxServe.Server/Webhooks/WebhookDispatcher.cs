using System.Net.Http.Headers;
using System.Text.Json;
using FluxServe.Server.Accounts;
using FluxServe.Server.Configuration;
using FluxServe.Server.Http;
using FluxServe.Server.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FluxServe.Server.Webhooks;

/// <summary>Delivers completion webhooks: a signed POST of the result body, retried with doubling delays.</summary>
/// <remarks>
/// Pending deliveries live in the job store (<c>webhook_state = 'pending'</c>), so a restart resumes them; the retry
/// schedule itself is kept in memory and restarts from the first delay.
/// </remarks>
public sealed class WebhookDispatcher : BackgroundService
{
    private readonly JobStore _store;
    private readonly AccountStore _accounts;
    private readonly WebhookOptions _options;
    private readonly ILogger<WebhookDispatcher> _logger;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly Dictionary<string, DateTimeOffset> _nextAttempt = new(StringComparer.Ordinal);
    private readonly HttpClient _http;

    public WebhookDispatcher(JobStore store, AccountStore accounts, IOptions<WebhookOptions> options, ILogger<WebhookDispatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _accounts = accounts;
        _options = options.Value;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), AllowAutoRedirect = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>Wakes the dispatcher: a job with a webhook finished.</summary>
    public void Notify()
    {
        try
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        _signal.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait = TimeSpan.FromSeconds(5);
            try
            {
                wait = await DeliverDueAsync(wait, stoppingToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The dispatcher outlives a failing store call; pending deliveries stay in the store.
            catch (Exception error) when (!stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                ServerLog.BackgroundError(_logger, "webhooks", error);
            }

            try
            {
                await _signal.WaitAsync(wait, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task<TimeSpan> DeliverDueAsync(TimeSpan wait, CancellationToken stoppingToken)
    {
        foreach (var job in _store.ListPendingWebhooks())
        {
            var now = DateTimeOffset.UtcNow;
            if (_nextAttempt.TryGetValue(job.Id, out var due) && due > now)
            {
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks, (due - now).Ticks));
                continue;
            }

            int attempt = job.WebhookAttempts + 1;
            bool delivered = await DeliverAsync(job, attempt, stoppingToken).ConfigureAwait(false);
            if (delivered || attempt >= _options.MaxAttempts)
            {
                _store.SetWebhookState(job.Id, delivered ? "delivered" : "failed", attempt);
                _nextAttempt.Remove(job.Id);
                if (!delivered)
                {
                    ServerLog.WebhookGivenUp(_logger, job.Id, attempt);
                }
            }
            else
            {
                _store.SetWebhookState(job.Id, "pending", attempt);
                var delay = _options.FirstRetryDelay * Math.Pow(2, attempt - 1);
                _nextAttempt[job.Id] = DateTimeOffset.UtcNow + delay;
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks, delay.Ticks));
            }
        }


        return wait;
    }

    private async Task<bool> DeliverAsync(JobRecord job, int attempt, CancellationToken stopping)
    {
        var answer = ApiAnswers.Result(job, job.BaseUrl, _accounts.Balance(job.AccountId));
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(answer, ServerJsonContext.Default.ResultAnswer);
        using var request = new HttpRequestMessage(HttpMethod.Post, job.WebhookUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(WebhookSignature.HeaderName, WebhookSignature.Sign(_accounts.WebhookSecret(job.AccountId), body));
        request.Headers.Add("X-FluxServe-Request-Id", job.Id);
        request.Headers.Add("X-FluxServe-Delivery-Attempt", attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return true;
            }

            ServerLog.WebhookFailed(_logger, job.Id, attempt, $"status {(int)response.StatusCode}");
        }
        catch (Exception error) when (error is HttpRequestException or OperationCanceledException && !stopping.IsCancellationRequested)
        {
            ServerLog.WebhookFailed(_logger, job.Id, attempt, error.Message);
        }

        return false;
    }
}
