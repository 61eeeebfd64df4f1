namespace FluxServe.Pipelines.Sampling;

/// <summary>What a sampler needs besides the latent and the σ schedule.</summary>
public sealed class SamplerContext
{
    /// <summary>A context for latents of <paramref name="shape"/> denoised by <paramref name="denoiser"/>.</summary>
    public SamplerContext(LatentShape shape, IDenoiser denoiser, FlowModelSampling modelSampling, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(modelSampling);
        if (shape.Length <= 0)
        {
            throw new ArgumentException($"The latent shape {shape} is empty.", nameof(shape));
        }

        Shape = shape;
        Denoiser = denoiser;
        ModelSampling = modelSampling;
        Seed = seed;
    }

    /// <summary>The latent batch shape.</summary>
    public LatentShape Shape { get; }

    /// <summary><c>D(x, σ)</c>.</summary>
    public IDenoiser Denoiser { get; }

    /// <summary>The model sampling (σ ↔ time, <c>percent_to_sigma</c>, half-log-SNR for flow models).</summary>
    public FlowModelSampling ModelSampling { get; }

    /// <summary>
    /// The request seed. Ancestral samplers draw from a PyTorch CPU generator seeded with <c>seed + 1</c>, SDE
    /// samplers from a Brownian tree with entropy <c>seed</c> (spec/sampling.md §5).
    /// </summary>
    public ulong Seed { get; }

    /// <summary>Called once per step, or null.</summary>
    public SamplerStepCallback? StepCallback { get; init; }

    /// <summary>Stops sampling between model passes (and inside them, if the model honours it).</summary>
    public CancellationToken CancellationToken { get; init; }
}
