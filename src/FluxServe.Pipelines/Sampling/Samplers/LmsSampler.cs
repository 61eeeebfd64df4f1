namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>lms</c> (order 4): linear multistep on the stored derivatives, <c>x ← x + Σ_j c_j·d_{i−j}</c> with
/// <c>c_j = ∫_σ^σ' ℓ_j(τ) dτ</c> over the Lagrange basis at the previous σ (ComfyUI integrates with scipy's quad;
/// the integrand is a cubic at most, which a 4-point Gauss rule integrates exactly). The last step returns D.
/// </summary>
internal sealed class LmsSampler(int order = 4) : LatentSampler
{
    public override string Name => "lms";

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] sigmas = run.Sigmas;
        var history = new List<float[]>(order + 1);
        var spare = new Stack<float[]>();
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised);
            float[] d = spare.Count > 0 ? spare.Pop() : run.NewLatent();
            HeunSampler.Derivative(d, x, denoised, sigma);
            history.Add(d);
            if (history.Count > order)
            {
                spare.Push(history[0]);
                history.RemoveAt(0);
            }

            run.Report(i, sigma, x, denoised);
            if (next == 0)
            {
                denoised.CopyTo(x, 0);
                continue;
            }

            int current = Math.Min(i + 1, order);
            for (int j = 0; j < current; j++)
            {
                float c = (float)Coefficient(current, sigmas, i, j);
                LatentMath.AddScaled(x, x, c, history[history.Count - 1 - j]);
            }
        }
    }

    /// <summary><c>linear_multistep_coeff(order, t, i, j)</c>, exactly.</summary>
    internal static double Coefficient(int order, ReadOnlySpan<float> t, int i, int j)
    {
        ReadOnlySpan<double> nodes = [-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526];
        ReadOnlySpan<double> weights = [0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538];
        double a = t[i], b = t[i + 1];
        double half = (b - a) / 2, mid = (a + b) / 2;
        double sum = 0;
        for (int q = 0; q < nodes.Length; q++)
        {
            double tau = mid + (half * nodes[q]);
            double product = 1;
            for (int k = 0; k < order; k++)
            {
                if (k != j)
                {
                    product *= (tau - t[i - k]) / ((double)t[i - j] - t[i - k]);
                }
            }

            sum += weights[q] * product;
        }

        return sum * half;
    }
}
