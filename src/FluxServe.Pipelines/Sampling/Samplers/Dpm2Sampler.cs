namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>dpm_2</c>: a midpoint step in log σ, <c>σ_m = exp(lerp(ln σ, ln σ', ½))</c>: <c>x₂ = x + d·(σ_m − σ)</c>,
/// <c>x ← x + d₂·(σ' − σ)</c> with d₂ at (x₂, σ_m); Euler on the last step. Uses the discard-penultimate schedule.
/// </summary>
internal sealed class Dpm2Sampler : LatentSampler
{
    public override string Name => "dpm_2";

    public override bool DiscardsPenultimateSigma => true;

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] d = run.NewLatent();
        float[] x2 = run.NewLatent();
        float[] sigmas = run.Sigmas;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised);
            HeunSampler.Derivative(d, x, denoised, sigma);
            run.Report(i, sigma, x, denoised);
            if (next == 0)
            {
                LatentMath.AddScaled(x, x, next - sigma, d);
                continue;
            }

            MidpointStep(run, x, x2, d, denoised, sigma, next);
        }
    }

    /// <summary>The DPM-Solver-2 step from σ towards <paramref name="target"/> (x updated in place).</summary>
    internal static void MidpointStep(SamplerRun run, float[] x, float[] x2, float[] d, float[] denoised, float sigma, float target)
    {
        float mid = MathF.Exp(FlowMath.Lerp(MathF.Log(sigma), MathF.Log(target), 0.5f));
        LatentMath.AddScaled(x2, x, mid - sigma, d);
        run.Denoise(x2, mid, denoised);
        HeunSampler.Derivative(d, x2, denoised, mid);
        LatentMath.AddScaled(x, x, target - sigma, d);
    }
}
