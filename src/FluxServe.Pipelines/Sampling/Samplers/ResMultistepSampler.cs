namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>res_multistep</c> (η = 0), <c>res_multistep_ancestral</c> (η = 1) and their <c>_cfg_pp</c> forms: the
/// second-order multistep RES method (arXiv:2308.02157) in <c>t = −ln σ</c> towards the ancestral σ_down, with
/// <c>b₁ = φ₁(−h) − φ₂(−h)/c₂</c>, <c>b₂ = φ₂(−h)/c₂</c>; Euler on the first step and when σ_down = 0.
/// </summary>
internal sealed class ResMultistepSampler(string name, float eta, bool cfgPp, float noiseScale = 1f) : LatentSampler
{
    public override string Name { get; } = name;

    public override bool NeedsUnconditional => cfgPp;

    public override SamplerNoiseKind NoiseKind => eta > 0 ? SamplerNoiseKind.Generator : SamplerNoiseKind.None;

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] uncond = cfgPp ? run.NewLatent() : [];
        float[] old = run.NewLatent();
        float[] noise = run.NewLatent();
        bool haveOld = false;
        float oldSigmaDown = float.NaN;
        float[] sigmas = run.Sigmas;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised, uncond);
            (float down, float up) = FlowMath.AncestralStep(sigma, next, eta);
            run.Report(i, sigma, x, denoised);
            float[] guide = cfgPp ? uncond : denoised;
            if (down == 0 || !haveOld)
            {
                if (cfgPp)
                {
                    // x ← D + (x − D_u)/σ·σ_down
                    float c = down / sigma;
                    LatentMath.Combine(x, c, x, -c, uncond, 1f, denoised);
                }
                else
                {
                    float ratio = (down - sigma) / sigma;
                    LatentMath.Combine(x, 1f + ratio, x, -ratio, denoised);
                }
            }
            else
            {
                float t = FlowMath.NegLog(sigma), tOld = FlowMath.NegLog(oldSigmaDown);
                float tNext = FlowMath.NegLog(down), tPrev = FlowMath.NegLog(sigmas[i - 1]);
                float h = tNext - t;
                float c2 = (tPrev - tOld) / h;
                float phi1 = FlowMath.Expm1(-h) / -h;
                float phi2 = (phi1 - 1f) / -h;
                float b1 = NanToZero(phi1 - (phi2 / c2));
                float b2 = NanToZero(phi2 / c2);
                float decay = MathF.Exp(-h);
                if (cfgPp)
                {
                    // x ← e^{−h}·(x + D − D_u) + h·(b₁·D_u + b₂·old)
                    LatentMath.Combine(x, decay, x, decay, denoised, (h * b1) - decay, uncond, h * b2, old);
                }
                else
                {
                    LatentMath.Combine(x, decay, x, h * b1, denoised, h * b2, old);
                }
            }

            if (next > 0 && eta > 0)
            {
                run.GeneratorNoise.Next(sigma, next, noise);
                LatentMath.AddScaled(x, x, noiseScale * up, noise);
            }

            guide.CopyTo(old, 0);
            haveOld = true;
            oldSigmaDown = down;
        }
    }

    /// <summary><c>torch.nan_to_num(v, nan=0.0)</c>: NaN → 0, ±∞ → ±float.MaxValue.</summary>
    private static float NanToZero(float v) =>
        float.IsNaN(v) ? 0f : float.IsPositiveInfinity(v) ? float.MaxValue : float.IsNegativeInfinity(v) ? float.MinValue : v;
}
