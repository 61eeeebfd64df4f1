namespace FluxServe.Pipelines.Sampling;

/// <summary>What a KSampler run produced.</summary>
/// <param name="Samples">The final latent in VAE-latent space (after <c>process_latent_out</c>), as the node returns it.</param>
/// <param name="Sigmas">The schedule that was used.</param>
/// <param name="Outcome">The sampler's final σ and denoiser call count.</param>
public sealed record KSamplerResult(float[] Samples, float[] Sigmas, SamplerOutcome Outcome);
