namespace FluxServe.Pipelines.Sampling;

/// <summary>Receives one <see cref="SamplerStep"/> per sampler step (progress, previews).</summary>
public delegate void SamplerStepCallback(SamplerStep step);
