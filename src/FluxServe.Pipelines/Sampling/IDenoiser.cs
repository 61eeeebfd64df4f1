namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// The denoiser a sampler drives: <c>D(x, σ)</c>, the model's prediction of the clean latent from the noisy latent
/// <c>x</c> at noise level <c>σ</c>, with classifier-free guidance already applied (spec/sampling.md §1, §6.3). For
/// FLUX this is <c>x − σ·v</c> around the transformer (<see cref="FlowGuidanceDenoiser"/>); the fixtures plug in a toy.
/// </summary>
public interface IDenoiser
{
    /// <summary>
    /// Computes <c>D(x, σ)</c> for the whole batch into <paramref name="denoised"/>. When
    /// <paramref name="unconditional"/> is not empty it also receives the unconditional prediction <c>D_u</c>
    /// (the <c>*_cfg_pp</c> samplers ask for it, which forces the negative pass even at cfg 1).
    /// </summary>
    /// <param name="x">The noisy latent batch.</param>
    /// <param name="sigma">The noise level of <paramref name="x"/>.</param>
    /// <param name="denoised">Receives <c>D(x, σ)</c> (same length as <paramref name="x"/>).</param>
    /// <param name="unconditional">Empty, or receives <c>D_u(x, σ)</c>.</param>
    /// <param name="cancellationToken">Stops a long model pass.</param>
    void Denoise(ReadOnlySpan<float> x, float sigma, Span<float> denoised, Span<float> unconditional, CancellationToken cancellationToken);
}
