namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>dpmpp_2m</c> (DPM-Solver++(2M)) in <c>t = −ln σ</c>: <c>x ← (σ'/σ)x − expm1(−h)·D'</c> with
/// <c>D' = (1 + 1/(2r))D − (1/(2r))D_prev</c>, <c>r = h_prev/h</c> (plain D on the first and last step).
/// </summary>
internal sealed class Dpmpp2mSampler : LatentSampler
{
    public override string Name => "dpmpp_2m";

    private protected override void Run(SamplerRun run)
    {
        float[] x = run.X;
        float[] denoised = run.NewLatent();
        float[] previous = run.NewLatent();
        bool havePrevious = false;
        float[] sigmas = run.Sigmas;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            run.Denoise(x, sigma, denoised);
            run.Report(i, sigma, x, denoised);
            float t = FlowMath.NegLog(sigma), tNext = FlowMath.NegLog(next);
            float h = tNext - t;
            float ratio = MathF.Exp(-tNext) / MathF.Exp(-t);
            float phi = -FlowMath.Expm1(-h);
            if (!havePrevious || next == 0)
            {
                LatentMath.Combine(x, ratio, x, phi, denoised);
            }
            else
            {
                float hLast = t - FlowMath.NegLog(sigmas[i - 1]);
                float r = hLast / h;
                float k = 1f / (2 * r);
                LatentMath.Combine(x, ratio, x, phi * (1f + k), denoised, -phi * k, previous);
            }

            (denoised, previous) = (previous, denoised);
            havePrevious = true;
        }
    }
}
