namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>er_sde</c> (VP ER-SDE-Solver-3, arXiv:2309.06169) in the flow half-log-SNR: with <c>λ_er = σ/α = e^{−λ}</c> and
/// the noise scaler <c>s(x) = x·(e^{x^0.3} + 10)</c>, a first-order step plus second and third stages whose integrals
/// are 200-point sums, and noise <c>α_t·√(λ_t² − λ_s²r²)·ε</c>. The last step returns D.
/// </summary>
internal sealed class ErSdeSampler(float noiseScale = 1f, int maxStage = 3) : LatentSampler
{
    private const int IntegrationPoints = 200;

    public override string Name => "er_sde";

    public override SamplerNoiseKind NoiseKind => SamplerNoiseKind.Generator;

    private protected override void Run(SamplerRun run)
    {
        float[] sigmas = FlowMath.OffsetFirstSigma(run.Sigmas, run.ModelSampling);
        var lambdas = new float[sigmas.Length];
        for (int k = 0; k < sigmas.Length; k++)
        {
            lambdas[k] = MathF.Exp(-FlowMath.HalfLogSnr(sigmas[k]));
        }

        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] old = run.NewLatent();
        float[] denoisedD = run.NewLatent();
        float[] oldD = run.NewLatent();
        float[] noise = run.NewLatent();
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised);
            run.Report(i, sigma, x, denoised);
            int stage = Math.Min(maxStage, i + 1);
            if (next == 0)
            {
                denoised.CopyTo(x, 0);
            }
            else
            {
                float ls = lambdas[i], lt = lambdas[i + 1];
                float alphaS = sigma / ls, alphaT = next / lt;
                float rAlpha = alphaT / alphaS;
                float r = Scaler(lt) / Scaler(ls);
                LatentMath.Combine(x, rAlpha * r, x, alphaT * (1 - r), denoised);
                if (stage >= 2)
                {
                    float dt = lt - ls;
                    float stepSize = -dt / IntegrationPoints;
                    double s = 0, su = 0;
                    for (int k = 0; k < IntegrationPoints; k++)
                    {
                        float position = lt + (k * stepSize);
                        float scaled = Scaler(position);
                        s += 1f / scaled;
                        su += (position - ls) / scaled;
                    }

                    float sum = (float)s * stepSize;
                    float sumU = (float)su * stepSize;

                    // D_d = (D − D_prev)/(λ_s − λ_{i−1})
                    float inverse = 1f / (ls - lambdas[i - 1]);
                    LatentMath.Combine(denoisedD, inverse, denoised, -inverse, old);
                    LatentMath.AddScaled(x, x, alphaT * (dt + (sum * Scaler(lt))), denoisedD);
                    if (stage >= 3)
                    {
                        float inverseU = 1f / ((ls - lambdas[i - 2]) / 2);
                        float c = alphaT * ((dt * dt / 2) + (sumU * Scaler(lt)));
                        LatentMath.Combine(x, 1f, x, c * inverseU, denoisedD, -c * inverseU, oldD);
                    }

                    (denoisedD, oldD) = (oldD, denoisedD);
                }

                if (noiseScale > 0)
                {
                    run.GeneratorNoise.Next(sigma, next, noise);
                    float amplitude = MathF.Sqrt((lt * lt) - (ls * ls * r * r));
                    amplitude = float.IsNaN(amplitude) ? 0f : amplitude;
                    LatentMath.AddScaled(x, x, alphaT * noiseScale * amplitude, noise);
                }
            }

            denoised.CopyTo(old, 0);
        }
    }

    private static float Scaler(float v) => v * (MathF.Exp(MathF.Pow(v, 0.3f)) + 10f);
}
