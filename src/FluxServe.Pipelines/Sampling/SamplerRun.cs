namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// The state of one sampler run: the latent, the schedule, the denoiser with its call counter, the step callback,
/// the noise sources and buffers. Samplers allocate their working latents once per run through it.
/// </summary>
internal sealed class SamplerRun
{
    private readonly SamplerContext _context;
    private SamplerNoise? _generatorNoise;

    public SamplerRun(float[] x, float[] sigmas, SamplerContext context)
    {
        X = x;
        Sigmas = sigmas;
        _context = context;
        FinalSigma = sigmas.Length > 0 ? sigmas[^1] : 0f;
    }

    /// <summary>The latent; samplers update it in place or assign the buffer holding the result.</summary>
    public float[] X { get; set; }

    /// <summary>The schedule (the caller's copy; samplers that change σ work on their own copies).</summary>
    public float[] Sigmas { get; }

    /// <summary><c>len(sigmas) − 1</c>.</summary>
    public int TotalSteps => Sigmas.Length - 1;

    /// <summary>Elements of the latent batch.</summary>
    public int Length => X.Length;

    public LatentShape Shape => _context.Shape;

    public FlowModelSampling ModelSampling => _context.ModelSampling;

    public ulong Seed => _context.Seed;

    public CancellationToken CancellationToken => _context.CancellationToken;

    /// <summary>The σ inverse noise scaling will use (see <see cref="SamplerOutcome.FinalSigma"/>).</summary>
    public float FinalSigma { get; set; }

    /// <summary>Denoiser evaluations so far.</summary>
    public int DenoiserCalls { get; private set; }

    /// <summary>A new zeroed latent buffer.</summary>
    public float[] NewLatent() => new float[Length];

    /// <summary><c>denoised = D(x, σ)</c>.</summary>
    public void Denoise(ReadOnlySpan<float> x, float sigma, Span<float> denoised) => Denoise(x, sigma, denoised, []);

    /// <summary><c>denoised = D(x, σ)</c> and, when <paramref name="unconditional"/> is not empty, <c>D_u</c>.</summary>
    public void Denoise(ReadOnlySpan<float> x, float sigma, Span<float> denoised, Span<float> unconditional)
    {
        CancellationToken.ThrowIfCancellationRequested();
        DenoiserCalls++;
        _context.Denoiser.Denoise(x, sigma, denoised, unconditional, CancellationToken);
    }

    /// <summary>The per-step report (ComfyUI's callback).</summary>
    public void Report(int index, float sigma, ReadOnlySpan<float> x, ReadOnlySpan<float> denoised) =>
        _context.StepCallback?.Invoke(new SamplerStep(index, TotalSteps, sigma, x, denoised));

    /// <summary>The run's <c>default_noise_sampler</c> (created on first use; one stream per run).</summary>
    public SamplerNoise GeneratorNoise => _generatorNoise ??= new GeneratorNoise(Seed);

    /// <summary>A Brownian-tree noise source over the schedule's positive σ range (created per call).</summary>
    public BrownianTreeNoise NewBrownianNoise()
    {
        (float min, float max) = FlowMath.PositiveRange(Sigmas);
        return new BrownianTreeNoise(Length, min, max, Seed);
    }
}
