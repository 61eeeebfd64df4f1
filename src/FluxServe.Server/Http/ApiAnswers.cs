using System.Globalization;
using System.Text.Json.Serialization;
using FluxServe.Server.Accounts;
using FluxServe.Server.Jobs;

namespace FluxServe.Server.Http;

/// <summary>The JSON bodies of the v1/v2 answers, built from a stored job.</summary>
public static class ApiAnswers
{
    public static string OutputUrl(string baseUrl, JobOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return $"{baseUrl}/v2/outputs/{output.FileName}";
    }

    public static SubmitAnswer Submitted(JobRecord job, string baseUrl, int? queuePosition)
    {
        ArgumentNullException.ThrowIfNull(job);
        string request = $"{baseUrl}/v2/requests/{job.Id}";
        return new SubmitAnswer(job.Id, job.State.Name(), $"{request}/status", request, $"{request}/events", $"{request}/cancel", queuePosition);
    }

    public static StatusAnswer Status(JobRecord job, int? queuePosition, (int Step, int TotalSteps)? progress)
    {
        ArgumentNullException.ThrowIfNull(job);
        ProgressBody? body = job.State switch
        {
            JobState.Processing when progress is { TotalSteps: > 0 } p => new ProgressBody(p.Step, p.TotalSteps, Math.Round(100.0 * p.Step / p.TotalSteps, 1)),
            JobState.Completed => new ProgressBody(job.Parameters.Steps, job.Parameters.Steps, 100),
            _ => null,
        };
        return new StatusAnswer(job.Id, job.State.Name(), job.Endpoint, job.State == JobState.Queued ? queuePosition : null, body,
            Time(job.CreatedAt)!, Time(job.StartedAt), Time(job.FinishedAt), job.Error);
    }

    public static ResultAnswer Result(JobRecord job, string baseUrl, long balanceMicro)
    {
        ArgumentNullException.ThrowIfNull(job);
        var output = job.Result?.Outputs.Select(o => OutputUrl(baseUrl, o)).ToList();
        return new ResultAnswer(job.Id, job.State.Name(), job.Endpoint, output, job.Parameters.Seed.ToString(CultureInfo.InvariantCulture),
            job.Parameters.Seed, job.Error, Metrics(job, balanceMicro));
    }

    public static JobMetrics Metrics(JobRecord job, long balanceMicro)
    {
        ArgumentNullException.ThrowIfNull(job);
        double? queue = job.StartedAt is long started ? (started - job.CreatedAt) / 1000.0 : null;
        double? total = job.FinishedAt is long finished ? (finished - job.CreatedAt) / 1000.0 : null;
        decimal cost = job.Refunded ? 0 : job.CostMicro / (decimal)Credits.MicroPerCredit;
        return new JobMetrics(cost, balanceMicro / (decimal)Credits.MicroPerCredit, job.Result?.InferenceSeconds, queue, total);
    }

    private static string? Time(long? unixMilliseconds) =>
        unixMilliseconds is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : null;
}

/// <summary>The answer to a v2 submit.</summary>
public sealed record SubmitAnswer(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("status_url")] string StatusUrl,
    [property: JsonPropertyName("response_url")] string ResponseUrl,
    [property: JsonPropertyName("events_url")] string EventsUrl,
    [property: JsonPropertyName("cancel_url")] string CancelUrl,
    [property: JsonPropertyName("queue_position")] int? QueuePosition);

/// <summary>Step i of N of a running job.</summary>
public sealed record ProgressBody(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("total_steps")] int TotalSteps,
    [property: JsonPropertyName("percent")] double Percent);

/// <summary>The answer of <c>GET /v2/requests/{id}/status</c> (and each server-sent event).</summary>
public sealed record StatusAnswer(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("queue_position")] int? QueuePosition,
    [property: JsonPropertyName("progress")] ProgressBody? Progress,
    [property: JsonPropertyName("created_at")] string CreatedAt,
    [property: JsonPropertyName("started_at")] string? StartedAt,
    [property: JsonPropertyName("finished_at")] string? FinishedAt,
    [property: JsonPropertyName("error")] string? Error);

/// <summary><c>metrics</c> of a v2 result (API.md "Headers on answers").</summary>
public sealed record JobMetrics(
    [property: JsonPropertyName("cost")] decimal Cost,
    [property: JsonPropertyName("remaining_credits")] decimal RemainingCredits,
    [property: JsonPropertyName("inference_time")] double? InferenceTime,
    [property: JsonPropertyName("queue_time")] double? QueueTime,
    [property: JsonPropertyName("total_time")] double? TotalTime);

/// <summary>The answer of <c>GET /v2/requests/{id}</c> (and the webhook body).</summary>
public sealed record ResultAnswer(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("output")] IReadOnlyList<string>? Output,
    [property: JsonPropertyName("seed_value")] string SeedText,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("metrics")] JobMetrics Metrics);

/// <summary>A v1 answer in JSON (base64 asked for, several samples, or a JSON-only endpoint).</summary>
public sealed record SyncJsonAnswer(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("image")] string? Image,
    [property: JsonPropertyName("images")] IReadOnlyList<string>? Images,
    [property: JsonPropertyName("output")] IReadOnlyList<string> Output,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("metrics")] JobMetrics Metrics);
