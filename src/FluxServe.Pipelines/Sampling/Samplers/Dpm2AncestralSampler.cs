namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>dpm_2_ancestral</c> in its flow ("RF") form: the DPM-2 midpoint step towards the downstep σ_d, then the RF
/// renoise (spec/sampling.md §6.2); Euler when σ_d = 0. Uses the discard-penultimate schedule.
/// </summary>
internal sealed class Dpm2AncestralSampler(float eta = 1f) : LatentSampler
{
    public override string Name => "dpm_2_ancestral";

    public override bool DiscardsPenultimateSigma => true;

    public override SamplerNoiseKind NoiseKind => SamplerNoiseKind.Generator;

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] d = run.NewLatent();
        float[] x2 = run.NewLatent();
        float[] noise = run.NewLatent();
        float[] sigmas = run.Sigmas;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised);
            RectifiedFlowStep step = RectifiedFlowStep.Of(sigma, next, eta);
            run.Report(i, sigma, x, denoised);
            HeunSampler.Derivative(d, x, denoised, sigma);
            if (step.SigmaDown == 0)
            {
                LatentMath.AddScaled(x, x, step.SigmaDown - sigma, d);
                continue;
            }

            Dpm2Sampler.MidpointStep(run, x, x2, d, denoised, sigma, step.SigmaDown);
            run.GeneratorNoise.Next(sigma, next, noise);
            LatentMath.Combine(x, step.Rescale, x, step.Renoise, noise);
        }
    }
}
