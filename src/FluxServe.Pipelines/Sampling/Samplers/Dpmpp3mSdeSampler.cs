namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>dpmpp_3m_sde</c> (and <c>_gpu</c>): DPM-Solver++(3M) SDE in the flow half-log-SNR with Brownian-tree noise
/// (spec/sampling.md §6.4); second order with one previous D, third with two. 1 NFE per step.
/// </summary>
internal sealed class Dpmpp3mSdeSampler(string name, float eta = 1f, float noiseScale = 1f) : LatentSampler
{
    public override string Name { get; } = name;

    public override SamplerNoiseKind NoiseKind => SamplerNoiseKind.BrownianTree;

    private protected override void Run(SamplerRun run)
    {
        BrownianTreeNoise brownian = run.NewBrownianNoise();
        float[] sigmas = FlowMath.OffsetFirstSigma(run.Sigmas, run.ModelSampling);
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] denoised1 = run.NewLatent();
        float[] denoised2 = run.NewLatent();
        float[] noise = run.NewLatent();
        int history = 0;
        float h = float.NaN, h1 = float.NaN, h2 = float.NaN;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised);
            run.Report(i, sigma, x, denoised);
            if (next == 0)
            {
                denoised.CopyTo(x, 0);
            }
            else
            {
                float lambdaS = FlowMath.HalfLogSnr(sigma), lambdaT = FlowMath.HalfLogSnr(next);
                h = lambdaT - lambdaS;
                float hEta = h * (eta + 1);
                float alphaT = next * MathF.Exp(lambdaT);
                float decay = next / sigma * MathF.Exp(-h * eta);
                float phi1 = -FlowMath.Expm1(-hEta);
                float phi2 = (FlowMath.Expm1(-hEta) / hEta) + 1;
                if (history >= 2 && !float.IsNaN(h2))
                {
                    float r0 = h1 / h, r1 = h2 / h;

                    // d1₀ = (D − D₁)/r₀, d1₁ = (D₁ − D₂)/r₁, d1 = d1₀ + (d1₀ − d1₁)·r₀/(r₀ + r₁), d2 = (d1₀ − d1₁)/(r₀ + r₁)
                    float phi3 = (phi2 / hEta) - 0.5f;
                    float a0 = 1f / r0, a1 = 1f / r1, s = r0 + r1;
                    float cD = a0 * (1 + (r0 / s));
                    float cD1 = (-a0 * (1 + (r0 / s))) - (a1 * r0 / s);
                    float cD2 = a1 * r0 / s;
                    float eD = a0 / s, eD1 = (-a0 - a1) / s, eD2 = a1 / s;
                    float p = alphaT * phi2, q = alphaT * phi3;
                    LatentMath.Combine(
                        x, decay, x, (alphaT * phi1) + (p * cD) - (q * eD), denoised, (p * cD1) - (q * eD1), denoised1, (p * cD2) - (q * eD2), denoised2);
                }
                else if (history >= 1 && !float.IsNaN(h1))
                {
                    float c = alphaT * phi2 / (h1 / h);
                    LatentMath.Combine(x, decay, x, (alphaT * phi1) + c, denoised, -c, denoised1);
                }
                else
                {
                    LatentMath.Combine(x, decay, x, alphaT * phi1, denoised);
                }

                if (eta > 0 && noiseScale > 0)
                {
                    brownian.Next(sigma, next, noise);
                    float scale = next * MathF.Sqrt(-FlowMath.Expm1(-2 * h * eta)) * noiseScale;
                    LatentMath.AddScaled(x, x, scale, noise);
                }
            }

            // denoised_1, denoised_2 = denoised, denoised_1; h_1, h_2 = h, h_1
            (denoised2, denoised1, denoised) = (denoised1, denoised, denoised2);
            history++;
            h2 = h1;
            h1 = h;
        }
    }
}
