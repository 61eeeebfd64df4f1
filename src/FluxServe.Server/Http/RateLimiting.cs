using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using FluxServe.Server.Accounts;
using FluxServe.Server.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FluxServe.Server.Http;

/// <summary>Per-key fixed-window limits (ASP.NET Core rate limiting): one policy for generation calls, one for reads.</summary>
internal static class RateLimiting
{
    public const string SubmitPolicy = "submit";
    public const string ReadPolicy = "read";

    public static IServiceCollection AddFluxServeRateLimits(this IServiceCollection services) =>
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(SubmitPolicy, context => Partition(context, static o => o.SubmitsPerWindow));
            options.AddPolicy(ReadPolicy, context => Partition(context, static o => o.ReadsPerWindow));
            options.OnRejected = static async (rejection, cancellationToken) =>
            {
                var response = rejection.HttpContext.Response;
                var window = rejection.HttpContext.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.Window;
                TimeSpan retryAfter = rejection.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan after) ? after : window;
                int seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                response.Headers["x-rate-limit-reset-at-utc"] = DateTimeOffset.UtcNow.AddSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                response.ContentType = "application/json";
                await JsonSerializer.SerializeAsync(response.Body, new ErrorResponse($"Rate limit reached for this API key; retry in {seconds} s."),
                    ServerJsonContext.Default.ErrorResponse, cancellationToken).ConfigureAwait(false);
            };
        });

    private static RateLimitPartition<string> Partition(HttpContext context, Func<RateLimitOptions, int> permits)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        string key = (context.Items[typeof(Caller)] as Caller)?.KeyId ?? "";
        return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, permits(options)),
            Window = options.Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}
