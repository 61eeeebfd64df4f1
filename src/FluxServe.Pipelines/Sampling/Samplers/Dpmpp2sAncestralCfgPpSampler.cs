namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>dpmpp_2s_ancestral_cfg_pp</c> as the reference ComfyUI (3cd7b32, Jan 2026) runs it for flow models — the EPS
/// form (a later ComfyUI added an RF form): the EPS ancestral step <c>(σ_down, σ_up)</c>, then DPM-Solver++(2S) in
/// <c>t = −ln σ</c>: <c>x₂ = (σ_s/σ)(x + D − D_u) − expm1(−h/2)·D</c>,
/// <c>x ← (σ_d/σ)(x + D − D_u′) − expm1(−h)·D(x₂, σ_s)</c>, plus <c>σ_up·ε</c> while σ' &gt; 0. D_u′ is the
/// unconditional prediction of the <em>second</em> pass: ComfyUI's post-cfg hook overwrites the stored D_u during the
/// midpoint call (fixed upstream later, ComfyUI PR #11914); the fixture pins the overwritten value, so it is
/// reproduced. When σ_down = 0 the step returns D. 2 NFE per step, each with the unconditional pass.
/// </summary>
internal sealed class Dpmpp2sAncestralCfgPpSampler(float eta = 1f, float noiseScale = 1f) : LatentSampler
{
    public override string Name => "dpmpp_2s_ancestral_cfg_pp";

    public override bool NeedsUnconditional => true;

    public override SamplerNoiseKind NoiseKind => SamplerNoiseKind.Generator;

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] uncond = run.NewLatent();
        float[] x2 = run.NewLatent();
        float[] denoised2 = run.NewLatent();
        float[] noise = run.NewLatent();
        float[] sigmas = run.Sigmas;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised, uncond);
            (float down, float up) = FlowMath.AncestralStep(sigma, next, eta);
            run.Report(i, sigma, x, denoised);
            if (down == 0)
            {
                // x ← D + (x − D_u)/σ·σ_down
                float c = down / sigma;
                LatentMath.Combine(x, c, x, -c, uncond, 1f, denoised);
            }
            else
            {
                float t = FlowMath.NegLog(sigma), tNext = FlowMath.NegLog(down);
                float h = tNext - t;
                float s = t + (0.5f * h);
                float sigmaT = MathF.Exp(-t);
                float sigmaS = MathF.Exp(-s);
                float ratioS = sigmaS / sigmaT;

                // x₂ = (σ_s/σ)·(x + D − D_u) − expm1(−h/2)·D
                LatentMath.Combine(x2, ratioS, x, ratioS - FlowMath.Expm1(-h * 0.5f), denoised, -ratioS, uncond);

                // The midpoint pass replaces D_u (ComfyUI's temp[0]) with its own unconditional prediction.
                run.Denoise(x2, sigmaS, denoised2, uncond);
                float ratioNext = MathF.Exp(-tNext) / sigmaT;
                LatentMath.Combine(x, ratioNext, x, ratioNext, denoised, -ratioNext, uncond, -FlowMath.Expm1(-h), denoised2);
            }

            if (next > 0)
            {
                run.GeneratorNoise.Next(sigma, next, noise);
                LatentMath.AddScaled(x, x, noiseScale * up, noise);
            }
        }
    }
}
