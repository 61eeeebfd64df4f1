namespace FluxServe.Pipelines.Sampling;

/// <summary>Where a sampler's own noise comes from (spec/sampling.md §5).</summary>
public enum SamplerNoiseKind
{
    /// <summary>Deterministic: no noise after the start noise.</summary>
    None,

    /// <summary>ComfyUI's <c>default_noise_sampler</c>: successive <c>randn</c> draws of a CPU generator seeded with seed + 1.</summary>
    Generator,

    /// <summary>A torchsde Brownian tree over σ with entropy = seed (dpmpp SDE samplers).</summary>
    BrownianTree,
}
