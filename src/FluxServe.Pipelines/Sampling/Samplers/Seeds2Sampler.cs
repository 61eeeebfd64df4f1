namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>seeds_2</c> (SEEDS-2, arXiv:2305.14267: r = ½, φ₁ combination, η = 1) and the exponential Heun methods
/// <c>exp_heun_2_x0</c> (r = 1, φ₂ weights, deterministic) and <c>exp_heun_2_x0_sde</c> (r = 1, φ₂, η = 1), all
/// ComfyUI's <c>sample_seeds_2</c> in the flow half-log-SNR. 2 NFE per step; the stochastic forms draw two noises per
/// step from the generator (the second has weight 0 when r = 1 but is still drawn, as in ComfyUI).
/// </summary>
internal sealed class Seeds2Sampler(string name, float r, bool phi2, float eta, float noiseScale) : LatentSampler
{
    public override string Name { get; } = name;

    public override SamplerNoiseKind NoiseKind => eta > 0 && noiseScale > 0 ? SamplerNoiseKind.Generator : SamplerNoiseKind.None;

    private protected override void Run(SamplerRun run)
    {
        bool inject = eta > 0 && noiseScale > 0;
        float[] sigmas = FlowMath.OffsetFirstSigma(run.Sigmas, run.ModelSampling);
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] denoised2 = run.NewLatent();
        float[] x2 = run.NewLatent();
        float[] sdeNoise = run.NewLatent();
        float[] noise = run.NewLatent();
        float fac = 1f / (2 * r);
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
            float lambdaS1 = FlowMath.Lerp(lambdaS, lambdaT, r);
            float sigmaS1 = FlowMath.SigmaOfHalfLogSnr(lambdaS1);
            float alphaS1 = sigmaS1 * MathF.Exp(lambdaS1);
            float alphaT = next * MathF.Exp(lambdaT);

            // Step 1
            LatentMath.Combine(x2, sigmaS1 / sigma * MathF.Exp(-r * h * eta), x, -(alphaS1 * FlowMath.Expm1(-r * hEta)), denoised);
            if (inject)
            {
                run.GeneratorNoise.Next(sigma, sigmaS1, noise);
                LatentMath.Scale(sdeNoise, MathF.Sqrt(-FlowMath.Expm1(-2 * r * h * eta)), noise);
                LatentMath.AddScaled(x2, x2, sigmaS1 * noiseScale, sdeNoise);
            }

            run.Denoise(x2, sigmaS1, denoised2);

            // Step 2
            float decay = next / sigma * MathF.Exp(-h * eta);
            if (!phi2)
            {
                // D_d = lerp(D, D₂, fac) = (1 − fac)·D + fac·D₂
                float e = -(alphaT * FlowMath.Expm1(-hEta));
                LatentMath.Combine(x, decay, x, e * (1f - fac), denoised, e * fac, denoised2);
            }
            else
            {
                float b2 = HPhi2(-hEta) / r;
                float b1 = FlowMath.Expm1(-hEta) - b2;
                LatentMath.Combine(x, decay, x, -(alphaT * b1), denoised, -(alphaT * b2), denoised2);
            }

            if (inject)
            {
                float segment = (r - 1) * h * eta;
                run.GeneratorNoise.Next(sigmaS1, next, noise);
                LatentMath.Combine(sdeNoise, MathF.Exp(segment), sdeNoise, MathF.Sqrt(-FlowMath.Expm1(segment * 2)), noise);
                LatentMath.AddScaled(x, x, next * noiseScale, sdeNoise);
            }
        }
    }

    /// <summary><c>h·φ₂(h) = (expm1(h) − h)/h</c> (<c>ei_h_phi_2</c>), float32.</summary>
    internal static float HPhi2(float h) => (FlowMath.Expm1(h) - h) / h;
}
