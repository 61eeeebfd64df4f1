namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>heunpp2</c> (Carzit's Heun++): Euler when σ' is the last σ, a weighted Heun step (<c>w₂ = σ'/(2σ₀)</c>) when
/// σ_{i+2} is, otherwise a three-stage step with <c>w₂ = σ'/(3σ₀)</c>, <c>w₃ = σ_{i+2}/(3σ₀)</c>. ComfyUI also draws
/// an unused <c>randn_like</c> per step from the global generator; it never reaches the result.
/// </summary>
internal sealed class HeunPp2Sampler : LatentSampler
{
    public override string Name => "heunpp2";

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] d = run.NewLatent();
        float[] x2 = run.NewLatent();
        float[] d2 = run.NewLatent();
        float[] x3 = run.NewLatent();
        float[] d3 = run.NewLatent();
        float[] sigmas = run.Sigmas;
        float end = sigmas[^1];
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised);
            HeunSampler.Derivative(d, x, denoised, sigma);
            run.Report(i, sigma, x, denoised);
            float dt = next - sigma;
            if (next == end)
            {
                LatentMath.AddScaled(x, x, dt, d);
                continue;
            }

            LatentMath.AddScaled(x2, x, dt, d);
            run.Denoise(x2, next, denoised);
            HeunSampler.Derivative(d2, x2, denoised, next);
            if (sigmas[i + 2] == end)
            {
                float w2 = next / (2 * sigmas[0]);
                float w1 = 1f - w2;
                LatentMath.Combine(x, 1f, x, w1 * dt, d, w2 * dt, d2);
                continue;
            }

            float after = sigmas[i + 2];
            LatentMath.AddScaled(x3, x2, after - next, d2);
            run.Denoise(x3, after, denoised);
            HeunSampler.Derivative(d3, x3, denoised, after);
            float w = 3 * sigmas[0];
            float v2 = next / w;
            float v3 = after / w;
            float v1 = 1f - v2 - v3;
            LatentMath.Combine(x, 1f, x, v1 * dt, d, v2 * dt, d2, v3 * dt, d3);
        }
    }
}
