using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FluxServe.Server;

/// <summary>Source-generated log messages of the server.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled exception in request {TraceId}")]
    public static partial void UnhandledException(ILogger logger, string traceId, Exception exception);

    public static ILogger GetLogger(this IServiceProvider services) =>
        services.GetRequiredService<ILoggerFactory>().CreateLogger("FluxServe.Server");
}
