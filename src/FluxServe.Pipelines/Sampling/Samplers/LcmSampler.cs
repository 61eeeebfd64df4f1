namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary><c>lcm</c>: <c>x ← D</c>, then while σ' &gt; 0 re-noise with the model's noise scaling <c>σ'·ε + (1 − σ')·x</c>.</summary>
internal sealed class LcmSampler : LatentSampler
{
    public override string Name => "lcm";

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
            if (next > 0)
            {
                run.GeneratorNoise.Next(sigma, next, noise);
                FlowModelSampling.NoiseScaling(next, noise, denoised, x);
            }
            else
            {
                denoised.CopyTo(x, 0);
            }
        }
    }
}
