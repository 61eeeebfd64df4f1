namespace FluxServe.Pipelines.TextToImage;

/// <summary>A progress report of a generation: the sampler step just finished, of how many.</summary>
/// <param name="Step">1-based step count done.</param>
/// <param name="TotalSteps">Planned steps.</param>
public readonly record struct GenerationProgress(int Step, int TotalSteps);
