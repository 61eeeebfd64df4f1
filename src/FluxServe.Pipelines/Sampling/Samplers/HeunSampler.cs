namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>heun</c>: an Euler predictor <c>x₂ = x + d·(σ' − σ)</c> and, unless σ' = 0, the trapezoidal corrector
/// <c>x ← x + ((d + d₂)/2)·(σ' − σ)</c> with d₂ at (x₂, σ'). 2 NFE per step (1 on the last).
/// </summary>
internal sealed class HeunSampler : LatentSampler
{
    public override string Name => "heun";

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] d = run.NewLatent();
        float[] x2 = run.NewLatent();
        float[] d2 = run.NewLatent();
        float[] sigmas = run.Sigmas;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised);
            Derivative(d, x, denoised, sigma);
            run.Report(i, sigma, x, denoised);
            float dt = next - sigma;
            if (next == 0)
            {
                LatentMath.AddScaled(x, x, dt, d);
                continue;
            }

            LatentMath.AddScaled(x2, x, dt, d);
            run.Denoise(x2, next, denoised);
            Derivative(d2, x2, denoised, next);
            // d' = (d + d₂)/2, x ← x + d'·dt
            LatentMath.Combine(d, 0.5f, d, 0.5f, d2);
            LatentMath.AddScaled(x, x, dt, d);
        }
    }

    /// <summary><c>to_d</c>: <c>d = (x − D)/σ</c>.</summary>
    internal static void Derivative(Span<float> d, ReadOnlySpan<float> x, ReadOnlySpan<float> denoised, float sigma) =>
        LatentMath.Derivative(d, x, denoised, sigma);
}
