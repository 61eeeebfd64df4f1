namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// k-diffusion's <c>DPMSolver</c> (Lu et al., arXiv:2206.00927) in <c>t = −ln σ</c> with noise predictions
/// <c>ε = (x − D)/σ</c>: the single-step solvers of order 1–3 used by <c>dpm_fast</c> and <c>dpm_adaptive</c>.
/// The ε at the step start and at <c>s₁</c> are cached per step as ComfyUI's <c>eps_cache</c> does.
/// </summary>
internal sealed class DpmSolver
{
    private readonly SamplerRun _run;
    private readonly float[] _denoised;
    private readonly float[] _u;
    private readonly float[] _scratch;

    public DpmSolver(SamplerRun run)
    {
        _run = run;
        _denoised = run.NewLatent();
        _u = run.NewLatent();
        _scratch = run.NewLatent();
        Eps = run.NewLatent();
        EpsR1 = run.NewLatent();
        EpsR2 = run.NewLatent();
    }

    /// <summary>ε at the step start (valid after <see cref="EvaluateStart"/>).</summary>
    public float[] Eps { get; }

    public float[] EpsR1 { get; }

    public float[] EpsR2 { get; }

    /// <summary>The denoised prediction at the step start.</summary>
    public float[] Denoised => _denoised;

    public static float Sigma(float t) => MathF.Exp(-t);

    public static float T(float sigma) => -MathF.Log(sigma);

    /// <summary>ε(x, t) into <see cref="Eps"/>; <see cref="Denoised"/> = x − σ(t)·ε.</summary>
    public void EvaluateStart(float[] x, float t)
    {
        float sigma = Sigma(t);
        EvaluateEps(x, t, Eps);
        LatentMath.Combine(_denoised, 1f, x, -sigma, Eps);
    }

    /// <summary>DPM-Solver-1: <c>x₁ = x − σ(t')·expm1(h)·ε</c>.</summary>
    public void Step1(float[] x, float t, float tNext, float[] destination)
    {
        float h = tNext - t;
        LatentMath.Combine(destination, 1f, x, -(Sigma(tNext) * FlowMath.Expm1(h)), Eps);
    }

    /// <summary>DPM-Solver-2 with midpoint ratio <paramref name="r1"/> (ε at s₁ into <see cref="EpsR1"/> unless cached).</summary>
    public void Step2(float[] x, float t, float tNext, float r1, bool r1Cached, float[] destination)
    {
        float h = tNext - t;
        float s1 = t + (r1 * h);
        if (!r1Cached)
        {
            LatentMath.Combine(_u, 1f, x, -(Sigma(s1) * FlowMath.Expm1(r1 * h)), Eps);
            EvaluateEps(_u, s1, EpsR1);
        }

        float sigmaNext = Sigma(tNext);
        float expm1H = FlowMath.Expm1(h);
        float a = sigmaNext * expm1H;
        float b = sigmaNext / (2 * r1) * expm1H;

        // x − σ'·expm1(h)·ε − σ'/(2r₁)·expm1(h)·(ε_r1 − ε)
        LatentMath.Combine(destination, 1f, x, b - a, Eps, -b, EpsR1);
    }

    /// <summary>DPM-Solver-3 with r₁ = ⅓, r₂ = ⅔ (ε at s₁ reused when cached).</summary>
    public void Step3(float[] x, float t, float tNext, bool r1Cached, float[] destination)
    {
        const float R1 = 1f / 3, R2 = 2f / 3;
        float h = tNext - t;
        float s1 = t + (R1 * h);
        float s2 = t + (R2 * h);
        if (!r1Cached)
        {
            LatentMath.Combine(_u, 1f, x, -(Sigma(s1) * FlowMath.Expm1(R1 * h)), Eps);
            EvaluateEps(_u, s1, EpsR1);
        }

        float sigmaS2 = Sigma(s2);
        float expm1R2h = FlowMath.Expm1(R2 * h);
        float a = sigmaS2 * expm1R2h;
        float b = sigmaS2 * (R2 / R1) * ((expm1R2h / (R2 * h)) - 1);

        // u₂ = x − σ(s₂)·expm1(r₂h)·ε − σ(s₂)·(r₂/r₁)·(expm1(r₂h)/(r₂h) − 1)·(ε_r1 − ε)
        LatentMath.Combine(_u, 1f, x, b - a, Eps, -b, EpsR1);
        EvaluateEps(_u, s2, EpsR2);

        float sigmaNext = Sigma(tNext);
        float expm1H = FlowMath.Expm1(h);
        float c = sigmaNext * expm1H;
        float e = sigmaNext / R2 * ((expm1H / h) - 1);
        LatentMath.Combine(destination, 1f, x, e - c, Eps, -e, EpsR2);
    }

    private void EvaluateEps(float[] x, float t, float[] eps)
    {
        float sigma = Sigma(t);
        _run.Denoise(x, sigma, _scratch);
        float inverse = 1f / sigma;
        LatentMath.Combine(eps, inverse, x, -inverse, _scratch);
    }
}
