namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// ComfyUI's KSampler flow for FLUX (spec/sampling.md §2): schedule → (non-zero latent: <c>process_in</c>) →
/// <c>x = σ₀·noise + (1 − σ₀)·latent</c> → sampler → <c>x/(1 − σ_last)</c> → <c>process_out</c>. The result is in
/// VAE-latent space, ready for the decoder.
/// </summary>
public static class FlowKSampler
{
    /// <summary>Runs the request with <paramref name="denoiser"/> from <paramref name="noise"/>.</summary>
    /// <param name="request">Sampler, scheduler, steps, denoise, shape, seed.</param>
    /// <param name="denoiser"><c>D(x, σ)</c> with guidance applied.</param>
    /// <param name="noise">The start noise (<c>randn(seed)</c> of the latent shape).</param>
    /// <param name="latentImage">The img2img latent in VAE space, or empty for an all-zero (txt2img) latent.</param>
    /// <param name="cancellationToken">Stops between model passes.</param>
    /// <exception cref="UnknownSamplingNameException">An unknown sampler or scheduler name.</exception>
    /// <exception cref="ArgumentException">Bad steps, denoise, shapes, or a schedule with a non-finite σ.</exception>
    public static KSamplerResult Sample(
        KSamplerRequest request, IDenoiser denoiser, ReadOnlySpan<float> noise, ReadOnlySpan<float> latentImage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(denoiser);
        LatentSampler sampler = SamplerCatalog.Get(request.Sampler);
        SigmaScheduler scheduler = SigmaSchedules.Parse(request.Scheduler);
        if (request.Steps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Steps, "steps must be at least 1.");
        }

        if (double.IsNaN(request.Denoise) || request.Denoise < 0 || request.Denoise > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Denoise, "denoise must lie in [0, 1].");
        }

        int length = request.Shape.Length;
        if (noise.Length != length || (!latentImage.IsEmpty && latentImage.Length != length))
        {
            throw new ArgumentException($"The noise and latent must have the shape {request.Shape} ({length} elements).");
        }

        float[] sigmas = SigmaSchedules.ForKSampler(request.ModelSampling, scheduler, request.Steps, request.Denoise, sampler.DiscardsPenultimateSigma);
        foreach (float s in sigmas)
        {
            if (!float.IsFinite(s))
            {
                throw new ArgumentException(
                    $"The {request.Scheduler} schedule for {request.Steps} step(s) has a non-finite σ (ComfyUI's kl_optimal gives NaN for one step); use more steps or another scheduler.");
            }
        }

        var latent = new float[length];
        bool nonZero = false;
        foreach (float v in latentImage)
        {
            if (v != 0)
            {
                nonZero = true;
                break;
            }
        }

        if (sigmas.Length == 0)
        {
            // ComfyUI returns the input latent unchanged (VAE space).
            latentImage.CopyTo(latent);
            return new KSamplerResult(latent, sigmas, new SamplerOutcome(0f, 0));
        }

        if (nonZero)
        {
            latentImage.CopyTo(latent);
            FluxLatentFormat.ProcessIn(latent);
        }

        var x = new float[length];
        FlowModelSampling.NoiseScaling(sigmas[0], noise, latent, x);
        var context = new SamplerContext(request.Shape, denoiser, request.ModelSampling, request.Seed)
        {
            StepCallback = request.StepCallback,
            CancellationToken = cancellationToken,
        };
        SamplerOutcome outcome = sampler.Sample(x, sigmas, context);
        FlowModelSampling.InverseNoiseScaling(outcome.FinalSigma, x);
        FluxLatentFormat.ProcessOut(x);
        return new KSamplerResult(x, sigmas, outcome);
    }
}
