using System.Text.Json.Serialization;

namespace FluxServe.Server.Jobs;

/// <summary>What a completed job produced (the <c>result</c> column).</summary>
/// <param name="Outputs">The images, in sample order.</param>
/// <param name="InferenceSeconds">Compute time of the batch that ran the job.</param>
public sealed record JobResult(
    [property: JsonPropertyName("outputs")] IReadOnlyList<JobOutput> Outputs,
    [property: JsonPropertyName("inference_time")] double InferenceSeconds);
