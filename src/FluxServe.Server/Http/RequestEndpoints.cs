using System.Text;
using System.Text.Json;
using FluxServe.Server.Accounts;
using FluxServe.Server.Generation;
using FluxServe.Server.Jobs;
using FluxServe.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace FluxServe.Server.Http;

/// <summary>Reads and cancels of v2 requests, their server-sent events, and the output images.</summary>
public static class RequestEndpoints
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapRequestEndpoints(this IEndpointRouteBuilder routes)
    {
        var requests = routes.MapGroup("/v2/requests/{id}").WithMetadata(RequiresApiKey.Instance).RequireRateLimiting(RateLimiting.ReadPolicy);
        requests.MapGet("/status", Status);
        requests.MapGet("/events", (HttpContext context, string id) => EventsAsync(context, id));
        requests.MapGet("", Result);
        requests.MapPost("/cancel", Cancel);
        requests.MapDelete("", Cancel);
        routes.MapGet("/v2/outputs/{file}", Output);
        return routes;
    }

    private static JobRecord? OwnJob(HttpContext context, string id)
    {
        var job = context.RequestServices.GetRequiredService<JobService>().Get(id);
        // Another account's request is answered as unknown, so ids cannot be probed.
        return job is not null && job.AccountId == CallerAuthentication.GetCaller(context).AccountId ? job : null;
    }

    private static IResult UnknownRequest(string id) =>
        ApiErrors.NotFound($"No request {id}: it is unknown, belongs to another account, or its result expired.");

    private static Task<IResult> Status(HttpContext context, string id)
    {
        if (context.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            return EventsAsync(context, id);
        }

        var job = OwnJob(context, id);
        return Task.FromResult(job is null ? UnknownRequest(id) : Results.Json(StatusOf(context, job), ServerJsonContext.Default.StatusAnswer));
    }

    private static IResult Result(HttpContext context, string id)
    {
        var job = OwnJob(context, id);
        if (job is null)
        {
            return UnknownRequest(id);
        }

        long balance = context.RequestServices.GetRequiredService<AccountStore>().Balance(job.AccountId);
        var answer = ApiAnswers.Result(job, GenerationEndpoints.BaseUrl(context), balance);
        return Results.Json(answer, ServerJsonContext.Default.ResultAnswer,
            statusCode: job.State == JobState.Failed ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK);
    }

    private static IResult Cancel(HttpContext context, string id)
    {
        var job = OwnJob(context, id);
        if (job is null)
        {
            return UnknownRequest(id);
        }

        var jobs = context.RequestServices.GetRequiredService<JobService>();
        if (!jobs.Cancel(id, "The request was cancelled by the client and refunded."))
        {
            return ApiErrors.Error(StatusCodes.Status409Conflict, $"The request {id} already finished ({job.State.Name()}); nothing to cancel.");
        }

        return Results.Json(StatusOf(context, jobs.Get(id) ?? job), ServerJsonContext.Default.StatusAnswer);
    }

    private static StatusAnswer StatusOf(HttpContext context, JobRecord job)
    {
        var jobs = context.RequestServices.GetRequiredService<JobService>();
        return ApiAnswers.Status(job, jobs.QueuePosition(job.Id), jobs.Progress(job.Id));
    }

    /// <summary>Server-sent events: one <c>status</c> event per change (queue position, step, state) until the job ends.</summary>
    private static async Task<IResult> EventsAsync(HttpContext context, string id)
    {
        var job = OwnJob(context, id);
        if (job is null)
        {
            return UnknownRequest(id);
        }

        var jobs = context.RequestServices.GetRequiredService<JobService>();
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var aborted = context.RequestAborted;
        string? last = null;
        var quiet = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (true)
            {
                job = jobs.Get(id);
                if (job is null)
                {
                    break; // expired while watched
                }

                string json = JsonSerializer.Serialize(StatusOf(context, job), ServerJsonContext.Default.StatusAnswer);
                if (json != last)
                {
                    await response.WriteAsync($"event: status\ndata: {json}\n\n", Encoding.UTF8, aborted).ConfigureAwait(false);
                    await response.Body.FlushAsync(aborted).ConfigureAwait(false);
                    last = json;
                    quiet.Restart();
                }
                else if (quiet.Elapsed >= KeepAlive)
                {
                    await response.WriteAsync(": keep-alive\n\n", aborted).ConfigureAwait(false);
                    await response.Body.FlushAsync(aborted).ConfigureAwait(false);
                    quiet.Restart();
                }

                if (job.State.IsFinished())
                {
                    break;
                }

                // Woken by progress or state changes; the timeout catches queue-position changes.
                await jobs.WaitForChangeAsync(id, TimeSpan.FromSeconds(1), aborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
        }

        return Results.Empty;
    }

    private static IResult Output(HttpContext context, string file)
    {
        string token = Path.GetFileNameWithoutExtension(file);
        var store = context.RequestServices.GetRequiredService<JobStore>();
        if (token.Length != 32 || store.FindOutput(token) is not { } output || output.File != file)
        {
            return ApiErrors.NotFound("No such output: it is unknown or expired.");
        }

        var files = context.RequestServices.GetRequiredService<ResultFiles>();
        var format = Enum.TryParse<ImageFormat>(output.Format, out var parsed) ? parsed : ImageFormat.Jpeg;
        context.Response.Headers.CacheControl = "private, max-age=3600";
        return Results.File(files.PathOf(output.File), format.MediaType());
    }
}
