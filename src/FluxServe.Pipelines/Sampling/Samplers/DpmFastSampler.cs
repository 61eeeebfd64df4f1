namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>dpm_fast</c>: DPM-Solver-fast between <c>sigmas[0]</c> and the last non-zero σ (only the schedule's end points
/// and its length matter): <c>n = len(sigmas) − 1</c> NFE over <c>m = ⌊n/3⌋ + 1</c> uniform steps in
/// <c>t = −ln σ</c> with orders <c>[3]·(m − 2) + [2, 1]</c> when 3 | n, else <c>[3]·(m − 1) + [n mod 3]</c>. It
/// ends at σ_min, not 0 (η = 0: deterministic).
/// </summary>
internal sealed class DpmFastSampler : LatentSampler
{
    public override string Name => "dpm_fast";

    private protected override void Run(SamplerRun run)
    {
        float[] sigmas = run.Sigmas;
        float sigmaMin = sigmas[^1] == 0 ? sigmas[^2] : sigmas[^1];
        float sigmaMax = sigmas[0];
        if (sigmaMin <= 0 || sigmaMax <= 0)
        {
            throw new ArgumentException("dpm_fast needs a positive σ_min and σ_max.");
        }

        int nfe = run.TotalSteps;
        float tStart = DpmSolver.T(sigmaMax), tEnd = DpmSolver.T(sigmaMin);
        int m = (nfe / 3) + 1;
        float[] ts = TorchFloat32.Linspace(tStart, tEnd, m + 1);
        var orders = new List<int>();
        if (nfe % 3 == 0)
        {
            for (int k = 0; k < m - 2; k++)
            {
                orders.Add(3);
            }

            orders.Add(2);
            orders.Add(1);
        }
        else
        {
            for (int k = 0; k < m - 1; k++)
            {
                orders.Add(3);
            }

            orders.Add(nfe % 3);
        }

        var solver = new DpmSolver(run);
        float[] x = run.X;
        float[] next = run.NewLatent();
        for (int i = 0; i < orders.Count; i++)
        {
            float t = ts[i], tNext = ts[i + 1];
            solver.EvaluateStart(x, t);
            run.Report(i, DpmSolver.Sigma(t), x, solver.Denoised);
            switch (orders[i])
            {
                case 1:
                    solver.Step1(x, t, tNext, next);
                    break;
                case 2:
                    solver.Step2(x, t, tNext, 0.5f, r1Cached: false, next);
                    break;
                default:
                    solver.Step3(x, t, tNext, r1Cached: false, next);
                    break;
            }

            (x, next) = (next, x);
        }

        run.X = x;
    }
}
