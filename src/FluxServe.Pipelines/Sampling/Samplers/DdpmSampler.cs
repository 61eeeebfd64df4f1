namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>ddpm</c>: ComfyUI's VP step applied unchanged to flow models (spec/sampling.md §6.5): on
/// <c>x_vp = x/√(1 + σ²)</c> with <c>ε̂ = (x − D)/σ</c>, <c>ā = 1/(σ² + 1)</c>, <c>ā' = 1/(σ'² + 1)</c>,
/// <c>a = ā/ā'</c>: <c>μ = √(1/a)·(x_vp − (1 − a)·ε̂/√(1 − ā))</c>, plus <c>√((1 − a)(1 − ā')/(1 − ā))·ε</c> and the
/// rescale by <c>√(1 + σ'²)</c> while σ' &gt; 0.
/// </summary>
internal sealed class DdpmSampler : LatentSampler
{
    public override string Name => "ddpm";

    public override SamplerNoiseKind NoiseKind => SamplerNoiseKind.Generator;

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] noise = run.NewLatent();
        float[] sigmas = run.Sigmas;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised);
            run.Report(i, sigma, x, denoised);

            float inputScale = 1f / MathF.Sqrt(1f + (sigma * sigma));
            float alphaCumprod = 1f / ((sigma * sigma) + 1);
            float alphaCumprodPrev = 1f / ((next * next) + 1);
            float alpha = alphaCumprod / alphaCumprodPrev;
            float muScale = MathF.Sqrt(1f / alpha);
            float epsScale = (1 - alpha) / MathF.Sqrt(1 - alphaCumprod);

            // ε̂ = (x − D)/σ; μ = muScale·(x·inputScale − epsScale·ε̂)
            float cx = muScale * (inputScale - (epsScale / sigma));
            float cd = muScale * epsScale / sigma;
            LatentMath.Combine(x, cx, x, cd, denoised);
            if (next > 0)
            {
                run.GeneratorNoise.Next(sigma, next, noise);
                float noiseScale = MathF.Sqrt((1 - alpha) * (1f - alphaCumprodPrev) / (1f - alphaCumprod));
                float outputScale = MathF.Sqrt(1f + (next * next));
                LatentMath.Combine(x, outputScale, x, outputScale * noiseScale, noise);
            }
        }
    }
}
