using System.Text.Json.Serialization;

namespace FluxServe.Client;

/// <summary>Step <paramref name="Step"/> of <paramref name="TotalSteps"/>.</summary>
/// <param name="Step">Finished steps.</param>
/// <param name="TotalSteps">All steps.</param>
public sealed record RequestProgress(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("total_steps")] int TotalSteps);
