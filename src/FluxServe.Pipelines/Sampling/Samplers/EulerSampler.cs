namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>euler</c> (Karras et al. Algorithm 2 without churn): <c>x ← x + (x − D)/σ·(σ' − σ)</c>; for flow models this
/// is BFL's <c>x + (t' − t)·v</c>. Also <c>ddim</c>, which ComfyUI runs as euler (its random inpaint noise only
/// matters with a mask). 1 NFE per step.
/// </summary>
internal sealed class EulerSampler(string name) : LatentSampler
{
    public override string Name { get; } = name;

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] sigmas = run.Sigmas;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i];
            run.Denoise(x, sigma, denoised);
            run.Report(i, sigma, x, denoised);

            // x + d·dt with d = (x − D)/σ, as (1 + dt/σ)·x − (dt/σ)·D.
            float ratio = (sigmas[i + 1] - sigma) / sigma;
            LatentMath.Combine(x, 1f + ratio, x, -ratio, denoised);
        }
    }
}
