namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// DEIS "tab" coefficients (zju-pi diff-sampler, as in ComfyUI's <c>comfy/k_diffusion/deis.py</c>): σ mapped to the
/// VP time of the EDM constants (σ_min 0.002, σ_max 80, ε_s 1e-3), then <c>C_i[j] = Σ_τ g(τ)·ℓ_j(τ)·Δτ</c> over
/// <c>τ = linspace(t_i, t_{i+1}, 10000)</c>, both ends included, with <c>Δτ = (t_{i+1} − t_i)/10000</c> (a plain
/// Riemann sum, reproduced as is) and <c>g(τ) = ½(β₀ + τ(β₁ − β₀))/√(α(τ)(1 − α(τ)))</c>.
/// </summary>
internal static class DeisCoefficients
{
    private const int Points = 10000;

    /// <summary>Per step i the coefficients of d, d₁, … (empty for first-order steps).</summary>
    public static double[][] Tab(ReadOnlySpan<float> sigmas, int maxOrder)
    {
        const double EpsilonS = 1e-3, SigmaMin = 0.002, SigmaMax = 80;
        double betaD = 2 * ((Math.Log((SigmaMin * SigmaMin) + 1) / EpsilonS) - Math.Log((SigmaMax * SigmaMax) + 1)) / (EpsilonS - 1);
        double betaMin = Math.Log((SigmaMax * SigmaMax) + 1) - (0.5 * betaD);
        double beta0 = betaMin, beta1 = betaD + betaMin;
        var t = new double[sigmas.Length];
        for (int k = 0; k < t.Length; k++)
        {
            // torch: float32 σ with the (float64) β constants cast to float32 in each operation.
            float s = sigmas[k];
            float logTerm = MathF.Log((s * s) + 1f);
            t[k] = (MathF.Sqrt((float)(betaMin * betaMin) + ((float)(2 * betaD) * logTerm)) - (float)betaMin) / (float)betaD;
        }

        var result = new double[Math.Max(sigmas.Length - 1, 0)][];
        Span<double> previous = stackalloc double[4];
        for (int i = 0; i < result.Length; i++)
        {
            int order = Math.Min(i + 1, maxOrder);
            if (order == 1 || sigmas[i + 1] <= 0)
            {
                // Unused: the sampler takes an Euler step (the integrand is infinite at τ = 0).
                result[i] = [];
                continue;
            }

            for (int k = 0; k < order; k++)
            {
                previous[k] = t[i - k];
            }

            double tCur = t[i], tNext = t[i + 1];
            double dTau = (tNext - tCur) / Points;
            double spacing = (tNext - tCur) / (Points - 1);
            var c = new double[order];
            for (int q = 0; q < Points; q++)
            {
                double tau = q == Points - 1 ? tNext : tCur + (q * spacing);
                double alpha = Math.Exp((-0.5 * tau * tau * (beta1 - beta0)) - (tau * beta0));
                double dLogAlpha = (-tau * (beta1 - beta0)) - beta0;
                double integrand = -0.5 * dLogAlpha / Math.Sqrt(alpha * (1 - alpha));
                for (int j = 0; j < order; j++)
                {
                    double poly = 1;
                    for (int k = 0; k < order; k++)
                    {
                        if (k != j)
                        {
                            poly *= (tau - previous[k]) / (previous[j] - previous[k]);
                        }
                    }

                    c[j] += integrand * poly;
                }
            }

            for (int j = 0; j < order; j++)
            {
                c[j] *= dTau;
            }

            result[i] = c;
        }

        return result;
    }
}
