using System.Text.Json.Serialization;

namespace FluxServe.Server.Http;

/// <summary>Step i of N of a running job.</summary>
public sealed record ProgressBody(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("total_steps")] int TotalSteps,
    [property: JsonPropertyName("percent")] double Percent);
