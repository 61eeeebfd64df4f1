namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// One of ComfyUI's samplers (<c>KSampler.SAMPLERS</c>) for flow models: it takes the noised latent at
/// <c>sigmas[0]</c> through the schedule with a denoiser (spec/sampling.md §6). Instances are stateless and shared;
/// get them from <see cref="SamplerCatalog"/>.
/// </summary>
public abstract class LatentSampler
{
    private protected LatentSampler()
    {
    }

    /// <summary>The ComfyUI name.</summary>
    public abstract string Name { get; }

    /// <summary>True for dpm_2, dpm_2_ancestral, uni_pc, uni_pc_bh2 (schedule of n + 1 steps without its penultimate σ).</summary>
    public virtual bool DiscardsPenultimateSigma => false;

    /// <summary>True for the cfg++ samplers: they read the unconditional prediction even at cfg 1.</summary>
    public virtual bool NeedsUnconditional => false;

    /// <summary>Where the sampler's own noise comes from.</summary>
    public virtual SamplerNoiseKind NoiseKind => SamplerNoiseKind.None;

    /// <summary>
    /// Runs the sampler on <paramref name="x"/> (the latent already noised to <c>sigmas[0]</c>, updated in place) over
    /// <paramref name="sigmas"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The latent does not match the context's shape, or a σ is not finite.</exception>
    /// <exception cref="OperationCanceledException">The context's token was cancelled.</exception>
    public SamplerOutcome Sample(Span<float> x, ReadOnlySpan<float> sigmas, SamplerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (x.Length != context.Shape.Length)
        {
            throw new ArgumentException($"The latent has {x.Length} elements; the shape {context.Shape} needs {context.Shape.Length}.", nameof(x));
        }

        foreach (float s in sigmas)
        {
            if (!float.IsFinite(s) || s < 0)
            {
                throw new ArgumentException($"The schedule has a σ of {s}; every σ must be finite and non-negative.", nameof(sigmas));
            }
        }

        var run = new SamplerRun(x.ToArray(), sigmas.ToArray(), context);
        if (run.TotalSteps > 0)
        {
            Run(run);
        }

        run.X.AsSpan().CopyTo(x);
        return new SamplerOutcome(run.FinalSigma, run.DenoiserCalls);
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>The sampler body (<c>sample_*</c> in k-diffusion); called with at least one step.</summary>
    private protected abstract void Run(SamplerRun run);
}
