namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>dpmpp_2m_cfg_pp</c>: <c>x ← D − e^{−h}·D_u (− expm1(−h)·(1/(2r))·(D − D_u,prev)) + e^{−h}·x</c> in
/// <c>t = −ln σ</c>.
/// </summary>
internal sealed class Dpmpp2mCfgPpSampler : LatentSampler
{
    public override string Name => "dpmpp_2m_cfg_pp";

    public override bool NeedsUnconditional => true;

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] uncond = run.NewLatent();
        float[] previousUncond = run.NewLatent();
        bool havePrevious = false;
        float[] sigmas = run.Sigmas;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised, uncond);
            run.Report(i, sigma, x, denoised);
            float t = FlowMath.NegLog(sigma), tNext = FlowMath.NegLog(next);
            float h = tNext - t;
            float decay = MathF.Exp(-h);
            if (!havePrevious || next == 0)
            {
                LatentMath.Combine(x, decay, x, 1f, denoised, -decay, uncond);
            }
            else
            {
                float hLast = t - FlowMath.NegLog(sigmas[i - 1]);
                float r = hLast / h;
                float c = FlowMath.Expm1(-h) * (1f / (2 * r));
                LatentMath.Combine(x, decay, x, 1f - c, denoised, -decay, uncond, c, previousUncond);
            }

            (uncond, previousUncond) = (previousUncond, uncond);
            havePrevious = true;
        }
    }
}
