namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>dpmpp_2s_ancestral_cfg_pp</c> for flow models (ComfyUI's <c>sample_dpmpp_2s_ancestral_RF_cfg_pp</c>): the RF
/// 2S step driven by the unconditional predictions (the midpoint's model pass is used for its D_u only), then the RF
/// renoise, then the guidance <c>(1 − σ')·(D − D_u)</c> of the step's start added back.
/// </summary>
internal sealed class Dpmpp2sAncestralCfgPpSampler(float eta = 1f) : LatentSampler
{
    public override string Name => "dpmpp_2s_ancestral_cfg_pp";

    public override bool NeedsUnconditional => true;

    public override SamplerNoiseKind NoiseKind => SamplerNoiseKind.Generator;

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] uncond = run.NewLatent();
        float[] guidance = run.NewLatent();
        float[] u = run.NewLatent();
        float[] scratch = run.NewLatent();
        float[] noise = run.NewLatent();
        float[] sigmas = run.Sigmas;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised, uncond);
            LatentMath.Combine(guidance, 1f, denoised, -1f, uncond);
            RectifiedFlowStep step = RectifiedFlowStep.Of(sigma, next, eta);
            run.Report(i, sigma, x, denoised);
            if (next == 0)
            {
                float ratio = (step.SigmaDown - sigma) / sigma;
                LatentMath.Combine(x, 1f + ratio, x, -ratio, uncond);
            }
            else
            {
                float sigmaS = Dpmpp2sAncestralSampler.MidpointSigma(sigma, step.SigmaDown);
                float r = sigmaS / sigma;
                LatentMath.Combine(u, r, x, 1f - r, uncond);
                run.Denoise(u, sigmaS, scratch, uncond);
                float rd = step.SigmaDown / sigma;
                LatentMath.Combine(x, rd, x, 1f - rd, uncond);
            }

            if (next > 0 && eta > 0)
            {
                run.GeneratorNoise.Next(sigma, next, noise);
                LatentMath.Combine(x, step.Rescale, x, step.Renoise, noise);
            }

            LatentMath.AddScaled(x, x, 1f - next, guidance);
        }
    }
}
