namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// The denoiser of a flow model under classifier-free guidance, as ComfyUI's <c>CFGGuider</c> with CONST model
/// sampling computes it (spec/sampling.md §1, §6.3): <c>D_c = x − σ·v(x, t(σ), positive)</c>; at cfg 1 only the
/// positive pass runs and <c>D = D_c</c>; otherwise, and whenever a sampler asks for <c>D_u</c> (cfg++), also
/// <c>D_u = x − σ·v(x, t(σ), negative)</c> and <c>D = D_u + (D_c − D_u)·cfg</c>.
/// </summary>
/// <remarks>Not thread-safe: one instance per sampling run (it keeps a velocity buffer).</remarks>
public sealed class FlowGuidanceDenoiser : IDenoiser
{
    private readonly IFlowModel _model;
    private readonly FlowModelSampling _modelSampling;
    private float[] _velocity = [];
    private float[] _unconditional = [];

    /// <summary>Guides <paramref name="model"/> with scale <paramref name="cfg"/>.</summary>
    public FlowGuidanceDenoiser(IFlowModel model, FlowModelSampling modelSampling, double cfg)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(modelSampling);
        if (!double.IsFinite(cfg))
        {
            throw new ArgumentOutOfRangeException(nameof(cfg), cfg, "The guidance scale must be finite.");
        }

        _model = model;
        _modelSampling = modelSampling;
        Cfg = cfg;
    }

    /// <summary>The classifier-free guidance scale.</summary>
    public double Cfg { get; }

    /// <summary>True when cfg is 1 (Python's <c>math.isclose</c>): only the positive pass runs unless D_u is asked for.</summary>
    public bool SkipsNegativeAtCfgOne => Math.Abs(Cfg - 1.0) <= 1e-9 * Math.Max(Math.Abs(Cfg), 1.0);

    /// <inheritdoc />
    public void Denoise(ReadOnlySpan<float> x, float sigma, Span<float> denoised, Span<float> unconditional, CancellationToken cancellationToken)
    {
        int n = x.Length;
        if (denoised.Length != n || (!unconditional.IsEmpty && unconditional.Length != n))
        {
            throw new ArgumentException("The output buffers must have the latent's length.");
        }

        if (_velocity.Length != n)
        {
            _velocity = new float[n];
        }

        float timestep = _modelSampling.Timestep(sigma);
        _model.PredictVelocity(x, timestep, GuidanceBranch.Positive, _velocity, cancellationToken);
        LatentMath.Combine(denoised, 1f, x, -sigma, _velocity);
        bool needUnconditional = !unconditional.IsEmpty || !SkipsNegativeAtCfgOne;
        if (!needUnconditional)
        {
            return;
        }

        Span<float> uncond = unconditional;
        if (uncond.IsEmpty)
        {
            if (_unconditional.Length != n)
            {
                _unconditional = new float[n];
            }

            uncond = _unconditional;
        }

        cancellationToken.ThrowIfCancellationRequested();
        _model.PredictVelocity(x, timestep, GuidanceBranch.Negative, _velocity, cancellationToken);
        LatentMath.Combine(uncond, 1f, x, -sigma, _velocity);

        // cfg_function: uncond + (cond − uncond)·cfg, two float32 steps as in the reference.
        float cfg = (float)Cfg;
        for (int i = 0; i < n; i++)
        {
            denoised[i] = uncond[i] + ((denoised[i] - uncond[i]) * cfg);
        }
    }
}
