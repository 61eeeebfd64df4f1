namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>euler_ancestral_cfg_pp</c> (η = 1) and <c>euler_cfg_pp</c> (η = 0, no noise), spec/sampling.md §6.3: with
/// <c>α(σ) = σ·e^{λ(σ)}</c>, <c>d = (x − α_σ·D_u)/σ</c>, the EPS ancestral step of <c>(σ/α_σ, σ'/α_σ')</c>, then
/// <c>x ← α_σ'·D + α_σ'·σ_down·d (+ α_σ'·σ_up·ε)</c>; the last step returns D. At σ = 1 the float arithmetic gives
/// σ_down = 0 and σ_up = σ'/α_σ' (ComfyUI's behaviour, reproduced by the same operations).
/// </summary>
internal sealed class EulerCfgPpSampler(string name, float eta) : LatentSampler
{
    public override string Name { get; } = name;

    public override bool NeedsUnconditional => true;

    public override SamplerNoiseKind NoiseKind => eta > 0 ? SamplerNoiseKind.Generator : SamplerNoiseKind.None;

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] uncond = run.NewLatent();
        float[] noise = run.NewLatent();
        float[] sigmas = run.Sigmas;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised, uncond);
            run.Report(i, sigma, x, denoised);
            if (next == 0)
            {
                denoised.CopyTo(x, 0);
                continue;
            }

            float alphaS = sigma * MathF.Exp(FlowMath.HalfLogSnr(sigma));
            float alphaT = next * MathF.Exp(FlowMath.HalfLogSnr(next));
            (float down, float up) = FlowMath.AncestralStep(sigma / alphaS, next / alphaT, eta);
            down = alphaT * down;

            // x ← α_t·D + σ_down·(x − α_s·D_u)/σ
            float c = down / sigma;
            LatentMath.Combine(x, c, x, -c * alphaS, uncond, alphaT, denoised);
            if (eta > 0)
            {
                run.GeneratorNoise.Next(sigma, next, noise);
                LatentMath.AddScaled(x, x, alphaT * up, noise);
            }
        }
    }
}
