namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>dpm_adaptive</c>: DPM-Solver-23 with adaptive steps from <c>sigmas[0]</c> to the last non-zero σ (order 3,
/// rtol 0.05, atol 0.0078, h_init 0.05, PID with (p, i, d) = (0, 1, 0), accept_safety 0.81, η = 0): each attempt
/// costs 3 NFE, the error of DPM-Solver-2 (r₁ = ⅓) against -3 picks the next h. The number of steps is not known in
/// advance; it ends at σ_min. Float differences can change which steps are accepted, as the fixture notes.
/// </summary>
internal sealed class DpmAdaptiveSampler : LatentSampler
{
    private const float Rtol = 0.05f, Atol = 0.0078f;
    private const double HInit = 0.05, AcceptSafety = 0.81, Eps = 1e-8;
    private const int Order = 3;
    private const int MaxAttempts = 100_000;

    public override string Name => "dpm_adaptive";

    private protected override void Run(SamplerRun run)
    {
        float[] sigmas = run.Sigmas;
        float sigmaMin = sigmas[^1] == 0 ? sigmas[^2] : sigmas[^1];
        float sigmaMax = sigmas[0];
        if (sigmaMin <= 0 || sigmaMax <= 0)
        {
            throw new ArgumentException("dpm_adaptive needs a positive σ_min and σ_max.");
        }

        float tStart = DpmSolver.T(sigmaMax), tEnd = DpmSolver.T(sigmaMin);
        if (!(tEnd > tStart))
        {
            // Reverse or empty interval: ComfyUI's loop condition fails at once for equal ends.
            return;
        }

        var solver = new DpmSolver(run);
        float[] x = run.X;
        float[] xPrev = run.NewLatent();
        x.CopyTo(xPrev, 0);
        float[] xLow = run.NewLatent();
        float[] xHigh = run.NewLatent();

        // PIDStepSizeController(h_init, 0, 1, 0, order 3): b1 = 1/3, b2 = b3 = 0.
        double h = HInit;
        const double B1 = 1.0 / Order;
        double[]? errors = null;
        float s = tStart;
        int steps = 0;
        while (s < tEnd - 1e-5f)
        {
            if (++steps > MaxAttempts)
            {
                throw new InvalidOperationException("dpm_adaptive did not reach σ_min.");
            }

            float t = MathF.Min(tEnd, s + (float)h);
            solver.EvaluateStart(x, s);
            solver.Step2(x, s, t, 1f / 3, r1Cached: false, xLow);
            solver.Step3(x, s, t, r1Cached: true, xHigh);
            double error = ErrorNorm(xLow, xHigh, xPrev);

            double inverseError = 1 / (error + Eps);
            errors ??= [inverseError, inverseError, inverseError];
            errors[0] = inverseError;
            double factor = Math.Pow(errors[0], B1) * Math.Pow(errors[1], -0.0) * Math.Pow(errors[2], 0.0);
            factor = 1 + Math.Atan(factor - 1);
            bool accept = factor >= AcceptSafety;
            if (accept)
            {
                errors[2] = errors[1];
                errors[1] = errors[0];
            }

            h *= factor;
            if (accept)
            {
                (xPrev, xLow) = (xLow, xPrev);
                (x, xHigh) = (xHigh, x);
                s = t;
            }

            // The callback comes after the update: the new x and s, the denoised prediction of the attempt's start.
            run.Report(steps - 1, DpmSolver.Sigma(s), x, solver.Denoised);
        }

        run.X = x;
    }

    /// <summary><c>‖(x_low − x_high)/max(atol, rtol·max(|x_low|, |x_prev|))‖₂/√n</c>.</summary>
    private static double ErrorNorm(float[] low, float[] high, float[] previous)
    {
        double sum = 0;
        for (int i = 0; i < low.Length; i++)
        {
            float delta = MathF.Max(Atol, Rtol * MathF.Max(MathF.Abs(low[i]), MathF.Abs(previous[i])));
            float e = (low[i] - high[i]) / delta;
            sum += (double)e * e;
        }

        return (float)Math.Sqrt(sum) / (float)Math.Sqrt(low.Length);
    }
}
