namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>euler_ancestral</c> in its flow ("RF") form (spec/sampling.md §6.2): Euler to the downstep
/// <c>σ_d = σ'·(1 + (σ'/σ − 1)·η)</c>, then rescale by <c>(1 − σ')/(1 − σ_d)</c> and add
/// <c>√(σ'² − σ_d²(1 − σ')²/(1 − σ_d)²)·ε</c>; the last step returns D.
/// </summary>
internal sealed class EulerAncestralSampler(float eta = 1f, float noiseScale = 1f) : LatentSampler
{
    public override string Name => "euler_ancestral";

    public override SamplerNoiseKind NoiseKind => SamplerNoiseKind.Generator;

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] noise = run.NewLatent();
        float[] sigmas = run.Sigmas;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised);
            run.Report(i, sigma, x, denoised);
            if (next == 0)
            {
                denoised.CopyTo(x, 0);
                continue;
            }

            RectifiedFlowStep step = RectifiedFlowStep.Of(sigma, next, eta);
            float ratio = step.SigmaDown / sigma;
            LatentMath.Combine(x, ratio, x, 1f - ratio, denoised);
            if (eta > 0)
            {
                run.GeneratorNoise.Next(sigma, next, noise);
                LatentMath.Combine(x, step.Rescale, x, noiseScale * step.Renoise, noise);
            }
        }
    }
}
