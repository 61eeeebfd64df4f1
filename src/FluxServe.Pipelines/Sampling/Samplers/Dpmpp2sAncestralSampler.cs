namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>dpmpp_2s_ancestral</c> in its flow ("RF") form (spec/sampling.md §6.2): with <c>λ = ln((1 − σ)/σ)</c> the
/// midpoint <c>σ_s = σ(λ(σ) + ½(λ(σ_d) − λ(σ)))</c> (0.9999 when σ = 1), <c>u = (σ_s/σ)x + (1 − σ_s/σ)D</c>,
/// <c>x ← (σ_d/σ)x + (1 − σ_d/σ)·D(u, σ_s)</c>, then the RF renoise. Last step: Euler. 2 NFE per step.
/// </summary>
internal sealed class Dpmpp2sAncestralSampler(float eta = 1f) : LatentSampler
{
    public override string Name => "dpmpp_2s_ancestral";

    public override SamplerNoiseKind NoiseKind => SamplerNoiseKind.Generator;

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] u = run.NewLatent();
        float[] noise = run.NewLatent();
        float[] sigmas = run.Sigmas;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised);
            RectifiedFlowStep step = RectifiedFlowStep.Of(sigma, next, eta);
            run.Report(i, sigma, x, denoised);
            if (next == 0)
            {
                float ratio = (step.SigmaDown - sigma) / sigma;
                LatentMath.Combine(x, 1f + ratio, x, -ratio, denoised);
            }
            else
            {
                float sigmaS = MidpointSigma(sigma, step.SigmaDown);
                float r = sigmaS / sigma;
                LatentMath.Combine(u, r, x, 1f - r, denoised);
                run.Denoise(u, sigmaS, denoised);
                float rd = step.SigmaDown / sigma;
                LatentMath.Combine(x, rd, x, 1f - rd, denoised);
            }

            if (next > 0 && eta > 0)
            {
                run.GeneratorNoise.Next(sigma, next, noise);
                LatentMath.Combine(x, step.Rescale, x, step.Renoise, noise);
            }
        }
    }

    /// <summary>σ_s of the RF 2S step: 0.9999 at σ = 1, else σ(λ(σ) + ½(λ(σ_d) − λ(σ))) with λ = ln((1 − σ)/σ).</summary>
    internal static float MidpointSigma(float sigma, float sigmaDown)
    {
        if (sigma == 1f)
        {
            return 0.9999f;
        }

        float ti = MathF.Log((1f - sigma) / sigma);
        float td = MathF.Log((1f - sigmaDown) / sigmaDown);
        float s = ti + (0.5f * (td - ti));
        return 1f / (MathF.Exp(s) + 1f);
    }
}
