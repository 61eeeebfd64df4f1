namespace FluxServe.Pipelines.Sampling;

/// <summary>A sampler's noise source: <c>noise_sampler(σ, σ')</c> in ComfyUI.</summary>
internal abstract class SamplerNoise
{
    /// <summary>Writes the noise for the step from <paramref name="sigma"/> to <paramref name="sigmaNext"/>.</summary>
    public abstract void Next(float sigma, float sigmaNext, Span<float> destination);
}
