namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>gradient_estimation</c> and <c>gradient_estimation_cfg_pp</c> (γ = 2): an Euler step plus
/// <c>(γ − 1)·(d − d_prev)·(σ' − σ)</c> from the second step on; the cfg++ form takes d from D_u and steps from D.
/// The last step returns D.
/// </summary>
internal sealed class GradientEstimationSampler(string name, bool cfgPp, float gamma = 2f) : LatentSampler
{
    public override string Name { get; } = name;

    public override bool NeedsUnconditional => cfgPp;

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] uncond = cfgPp ? run.NewLatent() : [];
        float[] d = run.NewLatent();
        float[] oldD = run.NewLatent();
        float[] sigmas = run.Sigmas;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised, uncond);
            HeunSampler.Derivative(d, x, cfgPp ? uncond : denoised, sigma);
            run.Report(i, sigma, x, denoised);
            float dt = next - sigma;
            if (next == 0)
            {
                denoised.CopyTo(x, 0);
            }
            else
            {
                if (cfgPp)
                {
                    LatentMath.Combine(x, 1f, denoised, next, d);
                }
                else
                {
                    LatentMath.AddScaled(x, x, dt, d);
                }

                if (i >= 1)
                {
                    float c = (gamma - 1) * dt;
                    LatentMath.Combine(x, 1f, x, c, d, -c, oldD);
                }
            }

            (d, oldD) = (oldD, d);
        }
    }
}
