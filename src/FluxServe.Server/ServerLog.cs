using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FluxServe.Server;

/// <summary>Source-generated log messages of the server. API keys never appear in any of them.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled exception in request {TraceId}")]
    public static partial void UnhandledException(ILogger logger, string traceId, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Worker for {Device} started; models: {Models}")]
    public static partial void WorkerStarted(ILogger logger, string device, string models);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Job {JobId} failed on the server")]
    public static partial void JobCrashed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Job {JobId} put back in the queue (server stopping)")]
    public static partial void JobRequeued(ILogger logger, string jobId);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Job {JobId} was interrupted {Attempts} times and was failed with a refund")]
    public static partial void JobGivenUp(ILogger logger, string jobId, int attempts);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "Recovery: {Requeued} jobs queued, {Failed} given up, {Orphans} orphan files deleted")]
    public static partial void Recovered(ILogger logger, int requeued, int failed, int orphans);

    [LoggerMessage(EventId = 15, Level = LogLevel.Error, Message = "Worker for {Device} hit an error; it goes on")]
    public static partial void WorkerError(ILogger logger, string device, Exception exception);

    [LoggerMessage(EventId = 16, Level = LogLevel.Error, Message = "Background task {Task} hit an error; it goes on")]
    public static partial void BackgroundError(ILogger logger, string task, Exception exception);

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Webhook of job {JobId}, attempt {Attempt}, failed: {Reason}")]
    public static partial void WebhookFailed(ILogger logger, string jobId, int attempt, string reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Webhook of job {JobId} given up after {Attempts} attempts")]
    public static partial void WebhookGivenUp(ILogger logger, string jobId, int attempts);

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "No image generator is registered: generation requests answer 502 until the pipeline is installed")]
    public static partial void NoGenerators(ILogger logger);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "An output image of job {JobId} was blocked by the safety checker {Checker}; the job failed and was refunded")]
    public static partial void ImageBlocked(ILogger logger, string jobId, string checker);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "No safety checker is configured: generated images are returned unchecked (disable_safety_checker has no effect)")]
    public static partial void NoSafetyChecker(ILogger logger);

    [LoggerMessage(EventId = 33, Level = LogLevel.Information, Message = "Safety checker {Checker} screens every output image (unless a request sets disable_safety_checker)")]
    public static partial void SafetyCheckerActive(ILogger logger, string checker);

    public static ILogger GetLogger(this IServiceProvider services) =>
        services.GetRequiredService<ILoggerFactory>().CreateLogger("FluxServe.Server");
}
