namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>dpmpp_sde</c> (and <c>dpmpp_sde_gpu</c>, identical on a CPU tree), DPM-Solver++ stochastic with r = ½ in the
/// flow half-log-SNR (spec/sampling.md §6.4): two ancestral exponential-integrator stages per step with Brownian-tree
/// noise for (σ → σ_s1) and (σ → σ'); a first σ of 1 is offset to <c>percent_to_sigma(1e-4)</c>. 2 NFE per step.
/// </summary>
internal sealed class DpmppSdeSampler(string name, float eta = 1f, float noiseScale = 1f, float r = 0.5f) : LatentSampler
{
    public override string Name { get; } = name;

    public override SamplerNoiseKind NoiseKind => SamplerNoiseKind.BrownianTree;

    private protected override void Run(SamplerRun run)
    {
        BrownianTreeNoise brownian = run.NewBrownianNoise();
        float[] sigmas = FlowMath.OffsetFirstSigma(run.Sigmas, run.ModelSampling);
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] denoised2 = run.NewLatent();
        float[] x2 = run.NewLatent();
        float[] noise = run.NewLatent();
        float fac = 1f / (2 * r);
        bool inject = eta > 0 && noiseScale > 0;
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
            float lambdaS1 = lambdaS + (r * h);
            float sigmaS1 = FlowMath.SigmaOfHalfLogSnr(lambdaS1);
            float alphaS = sigma * MathF.Exp(lambdaS);
            float alphaS1 = sigmaS1 * MathF.Exp(lambdaS1);
            float alphaT = next * MathF.Exp(lambdaT);

            // Stage 1: to λ_s1.
            (float sd, float su) = FlowMath.AncestralStep(MathF.Exp(-lambdaS), MathF.Exp(-lambdaS1), eta);
            float hPartial = -MathF.Log(sd) - lambdaS;
            LatentMath.Combine(x2, alphaS1 / alphaS * MathF.Exp(-hPartial), x, -(alphaS1 * FlowMath.Expm1(-hPartial)), denoised);
            if (inject)
            {
                brownian.Next(sigma, sigmaS1, noise);
                LatentMath.AddScaled(x2, x2, alphaS1 * noiseScale * su, noise);
            }

            run.Denoise(x2, sigmaS1, denoised2);

            // Stage 2: to λ_t with D̄ = (1 − fac)·D + fac·D₂.
            (sd, su) = FlowMath.AncestralStep(MathF.Exp(-lambdaS), MathF.Exp(-lambdaT), eta);
            hPartial = -MathF.Log(sd) - lambdaS;
            float decay = alphaT / alphaS * MathF.Exp(-hPartial);
            float weight = -(alphaT * FlowMath.Expm1(-hPartial));
            LatentMath.Combine(x, decay, x, weight * (1f - fac), denoised, weight * fac, denoised2);
            if (inject)
            {
                brownian.Next(sigma, next, noise);
                LatentMath.AddScaled(x, x, alphaT * noiseScale * su, noise);
            }
        }
    }
}
