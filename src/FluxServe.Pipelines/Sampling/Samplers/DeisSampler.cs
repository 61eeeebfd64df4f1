namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>deis</c> (max order 3, "tab" mode), spec/sampling.md §6.1: Euler on the first and the last step, otherwise
/// <c>x ← x + Σ_j C_i[j]·d_{i−j}</c> with coefficients integrated numerically in the VP time of the EDM constants.
/// ComfyUI reports the run's input latent as the callback's x on every step; so does this.
/// </summary>
internal sealed class DeisSampler(int maxOrder = 3) : LatentSampler
{
    public override string Name => "deis";

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] start = (float[])x.Clone();
        float[] denoised = run.NewLatent();
        float[] sigmas = run.Sigmas;
        double[][] coefficients = DeisCoefficients.Tab(sigmas, maxOrder);
        var buffer = new List<float[]>(maxOrder);
        float[]? spare = null;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float tCur = sigmas[i], tNext = sigmas[i + 1];
            run.Denoise(x, tCur, denoised);
            run.Report(i, tCur, start, denoised);
            float[] d = spare ?? run.NewLatent();
            spare = null;
            HeunSampler.Derivative(d, x, denoised, tCur);
            int order = Math.Min(maxOrder, i + 1);
            if (tNext <= 0)
            {
                order = 1;
            }

            double[] c = coefficients[i];
            switch (order)
            {
                case 1:
                    LatentMath.AddScaled(x, x, tNext - tCur, d);
                    break;
                case 2:
                    LatentMath.Combine(x, 1f, x, (float)c[0], d, (float)c[1], buffer[^1]);
                    break;
                default:
                    LatentMath.Combine(x, 1f, x, (float)c[0], d, (float)c[1], buffer[^1], (float)c[2], buffer[^2]);
                    break;
            }

            if (buffer.Count == maxOrder - 1)
            {
                spare = buffer[0];
                buffer.RemoveAt(0);
            }

            buffer.Add(d);
        }
    }
}
