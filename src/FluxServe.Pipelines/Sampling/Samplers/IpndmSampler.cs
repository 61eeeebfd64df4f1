namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>ipndm</c> (improved PNDM, max order 4) and <c>ipndm_v</c> (its variable-step Adams–Bashforth coefficients),
/// spec/sampling.md §6.1: a buffer of previous derivatives, <c>x ← x + h·Σ c_k·d_k</c>; the last step returns D.
/// ComfyUI reports the run's input latent as the callback's x on every step; so does this.
/// </summary>
internal sealed class IpndmSampler(bool variableStep, int maxOrder = 4) : LatentSampler
{
    public override string Name => variableStep ? "ipndm_v" : "ipndm";

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] start = (float[])x.Clone();
        float[] denoised = run.NewLatent();
        float[] sigmas = run.Sigmas;
        var buffer = new List<float[]>(maxOrder);
        float[]? spare = null;
        Span<float> c = stackalloc float[4];
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float tCur = sigmas[i], tNext = sigmas[i + 1];
            run.Denoise(x, tCur, denoised);
            run.Report(i, tCur, start, denoised);
            float[] d = spare ?? run.NewLatent();
            spare = null;
            HeunSampler.Derivative(d, x, denoised, tCur);
            int order = Math.Min(maxOrder, i + 1);
            float h = tNext - tCur;
            if (tNext == 0)
            {
                denoised.CopyTo(x, 0);
            }
            else
            {
                Coefficients(c, order, sigmas, i);
                switch (order)
                {
                    case 1:
                        LatentMath.AddScaled(x, x, h, d);
                        break;
                    case 2:
                        LatentMath.Combine(x, 1f, x, h * c[0], d, h * c[1], buffer[^1]);
                        break;
                    case 3:
                        LatentMath.Combine(x, 1f, x, h * c[0], d, h * c[1], buffer[^1], h * c[2], buffer[^2]);
                        break;
                    default:
                        LatentMath.Combine(x, 1f, x, h * c[0], d, h * c[1], buffer[^1], h * c[2], buffer[^2]);
                        LatentMath.AddScaled(x, x, h * c[3], buffer[^3]);
                        break;
                }
            }

            if (buffer.Count == maxOrder - 1)
            {
                spare = buffer[0];
                buffer.RemoveAt(0);
            }

            buffer.Add(d);
        }
    }

    /// <summary>The weights of d, d₁, d₂, d₃ (the current derivative first).</summary>
    private void Coefficients(Span<float> c, int order, float[] t, int i)
    {
        c.Clear();
        if (!variableStep || order == 1)
        {
            switch (order)
            {
                case 1:
                    c[0] = 1;
                    break;
                case 2:
                    c[0] = 3f / 2;
                    c[1] = -1f / 2;
                    break;
                case 3:
                    c[0] = 23f / 12;
                    c[1] = -16f / 12;
                    c[2] = 5f / 12;
                    break;
                default:
                    c[0] = 55f / 24;
                    c[1] = -59f / 24;
                    c[2] = 37f / 24;
                    c[3] = -9f / 24;
                    break;
            }

            return;
        }

        float hn = t[i + 1] - t[i];
        float hn1 = t[i] - t[i - 1];
        if (order == 2)
        {
            c[0] = (2 + (hn / hn1)) / 2;
            c[1] = -(hn / hn1) / 2;
            return;
        }

        float hn2 = t[i - 1] - t[i - 2];
        float temp1 = (1 - (hn / (3 * (hn + hn1)) * (hn * (hn + hn1)) / (hn1 * (hn1 + hn2)))) / 2;
        if (order == 3)
        {
            c[0] = ((2 + (hn / hn1)) / 2) + temp1;
            c[1] = (-(hn / hn1) / 2) - ((1 + (hn1 / hn2)) * temp1);
            c[2] = temp1 * hn1 / hn2;
            return;
        }

        float hn3 = t[i - 2] - t[i - 3];
        float temp2 = (((1 - (hn / (3 * (hn + hn1)))) / 2) + ((1 - (hn / (2 * (hn + hn1)))) * hn / (6 * (hn + hn1 + hn2))))
            * (hn * (hn + hn1) * (hn + hn1 + hn2)) / (hn1 * (hn1 + hn2) * (hn1 + hn2 + hn3));
        float ratio = hn1 * (hn1 + hn2) / (hn2 * (hn2 + hn3));
        c[0] = ((2 + (hn / hn1)) / 2) + temp1 + temp2;
        c[1] = (-(hn / hn1) / 2) - ((1 + (hn1 / hn2)) * temp1) - ((1 + (hn1 / hn2) + ratio) * temp2);
        c[2] = (temp1 * hn1 / hn2) + (((hn1 / hn2) + (ratio * (1 + (hn2 / hn3)))) * temp2);
        c[3] = -temp2 * ratio * hn1 / hn2;
    }
}
