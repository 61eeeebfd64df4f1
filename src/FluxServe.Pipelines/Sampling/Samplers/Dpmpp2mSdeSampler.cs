namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>dpmpp_2m_sde</c> (midpoint) and <c>dpmpp_2m_sde_heun</c> (heun), with their <c>_gpu</c> twins: DPM-Solver++(2M)
/// SDE in the flow half-log-SNR with Brownian-tree noise (spec/sampling.md §6.4). 1 NFE per step.
/// </summary>
internal sealed class Dpmpp2mSdeSampler(string name, bool heun, float eta = 1f, float noiseScale = 1f) : LatentSampler
{
    public override string Name { get; } = name;

    public override SamplerNoiseKind NoiseKind => SamplerNoiseKind.BrownianTree;

    private protected override void Run(SamplerRun run)
    {
        BrownianTreeNoise brownian = run.NewBrownianNoise();
        float[] sigmas = FlowMath.OffsetFirstSigma(run.Sigmas, run.ModelSampling);
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] previous = run.NewLatent();
        float[] noise = run.NewLatent();
        bool havePrevious = false;
        float h = float.NaN, hLast = float.NaN;
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
                float phi1 = -FlowMath.Expm1(-hEta);
                float decay = next / sigma * MathF.Exp(-h * eta);
                if (!havePrevious)
                {
                    LatentMath.Combine(x, decay, x, alphaT * phi1, denoised);
                }
                else
                {
                    float r = hLast / h;
                    float c = heun
                        ? alphaT * ((phi1 / -hEta) + 1) * (1f / r)
                        : 0.5f * alphaT * phi1 * (1f / r);
                    LatentMath.Combine(x, decay, x, (alphaT * phi1) + c, denoised, -c, previous);
                }

                if (eta > 0 && noiseScale > 0)
                {
                    brownian.Next(sigma, next, noise);
                    float scale = next * MathF.Sqrt(-FlowMath.Expm1(-2 * h * eta)) * noiseScale;
                    LatentMath.AddScaled(x, x, scale, noise);
                }
            }

            (denoised, previous) = (previous, denoised);
            havePrevious = true;
            hLast = h;
        }
    }
}
