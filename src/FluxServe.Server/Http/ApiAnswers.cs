using System.Globalization;
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
