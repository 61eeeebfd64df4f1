namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>seeds_3</c> (SEEDS-3, r₁ = ⅓, r₂ = ⅔, η = 1) in the flow half-log-SNR: three stages per step (3 NFE) with
/// generator noise carried between the stages (ComfyUI's <c>sample_seeds_3</c>).
/// </summary>
internal sealed class Seeds3Sampler(float eta = 1f, float noiseScale = 1f) : LatentSampler
{
    private const float R1 = 1f / 3, R2 = 2f / 3;

    public override string Name => "seeds_3";

    public override SamplerNoiseKind NoiseKind => SamplerNoiseKind.Generator;

    private protected override void Run(SamplerRun run)
    {
        bool inject = eta > 0 && noiseScale > 0;
        float[] sigmas = FlowMath.OffsetFirstSigma(run.Sigmas, run.ModelSampling);
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] denoised2 = run.NewLatent();
        float[] denoised3 = run.NewLatent();
        float[] stage = run.NewLatent();
        float[] sdeNoise = run.NewLatent();
        float[] noise = run.NewLatent();
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

            float lambdaS = FlowMath.HalfLogSnr(sigma), lambdaT = FlowMath.HalfLogSnr(next);
            float h = lambdaT - lambdaS;
            float hEta = h * (eta + 1);
            float lambdaS1 = FlowMath.Lerp(lambdaS, lambdaT, R1);
            float lambdaS2 = FlowMath.Lerp(lambdaS, lambdaT, R2);
            float sigmaS1 = FlowMath.SigmaOfHalfLogSnr(lambdaS1), sigmaS2 = FlowMath.SigmaOfHalfLogSnr(lambdaS2);
            float alphaS1 = sigmaS1 * MathF.Exp(lambdaS1);
            float alphaS2 = sigmaS2 * MathF.Exp(lambdaS2);
            float alphaT = next * MathF.Exp(lambdaT);

            // Step 1
            LatentMath.Combine(stage, sigmaS1 / sigma * MathF.Exp(-R1 * h * eta), x, -(alphaS1 * FlowMath.Expm1(-R1 * hEta)), denoised);
            if (inject)
            {
                run.GeneratorNoise.Next(sigma, sigmaS1, noise);
                LatentMath.Scale(sdeNoise, MathF.Sqrt(-FlowMath.Expm1(-2 * R1 * h * eta)), noise);
                LatentMath.AddScaled(stage, stage, sigmaS1 * noiseScale, sdeNoise);
            }

            run.Denoise(stage, sigmaS1, denoised2);

            // Step 2
            float a32 = R2 / R1 * Seeds2Sampler.HPhi2(-R2 * hEta);
            float a31 = FlowMath.Expm1(-R2 * hEta) - a32;
            LatentMath.Combine(stage, sigmaS2 / sigma * MathF.Exp(-R2 * h * eta), x, -(alphaS2 * a31), denoised, -(alphaS2 * a32), denoised2);
            if (inject)
            {
                float segment = (R1 - R2) * h * eta;
                run.GeneratorNoise.Next(sigmaS1, sigmaS2, noise);
                LatentMath.Combine(sdeNoise, MathF.Exp(segment), sdeNoise, MathF.Sqrt(-FlowMath.Expm1(segment * 2)), noise);
                LatentMath.AddScaled(stage, stage, sigmaS2 * noiseScale, sdeNoise);
            }

            run.Denoise(stage, sigmaS2, denoised3);

            // Step 3
            float b3 = Seeds2Sampler.HPhi2(-hEta) / R2;
            float b1 = FlowMath.Expm1(-hEta) - b3;
            LatentMath.Combine(x, next / sigma * MathF.Exp(-h * eta), x, -(alphaT * b1), denoised, -(alphaT * b3), denoised3);
            if (inject)
            {
                float segment = (R2 - 1) * h * eta;
                run.GeneratorNoise.Next(sigmaS2, next, noise);
                LatentMath.Combine(sdeNoise, MathF.Exp(segment), sdeNoise, MathF.Sqrt(-FlowMath.Expm1(segment * 2)), noise);
                LatentMath.AddScaled(x, x, next * noiseScale, sdeNoise);
            }
        }
    }
}
