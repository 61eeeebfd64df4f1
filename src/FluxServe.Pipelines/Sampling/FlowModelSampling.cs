namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// ComfyUI's model sampling for FLUX (CONST, "flow"): the ascending table of σ the schedules index, the maps between
/// model time and σ, and the noise scaling of the forward process <c>x_σ = σ·noise + (1 − σ)·x₀</c>
/// (spec/sampling.md §1). Values are float32, computed with the reference's float32 operations, so a schedule's σ
/// equal ComfyUI's bit for bit.
/// </summary>
public abstract class FlowModelSampling
{
    private readonly float[] _sigmas;

    /// <summary>Builds the table from <see cref="Sigma"/> of each table time.</summary>
    private protected FlowModelSampling(float[] sigmas)
    {
        _sigmas = sigmas;
    }

    /// <summary>The ascending σ table (<c>model_sampling.sigmas</c>): 1000 entries for schnell, 10000 for dev.</summary>
    public ReadOnlySpan<float> Sigmas => _sigmas;

    /// <summary><c>sigma_min</c>: the first table entry.</summary>
    public float SigmaMin => _sigmas[0];

    /// <summary><c>sigma_max</c>: the last table entry (1 for FLUX).</summary>
    public float SigmaMax => _sigmas[^1];

    /// <summary>The shift this sampling applies (1 for schnell, μ for dev).</summary>
    public abstract double Shift { get; }

    /// <summary>A short description for logs and errors.</summary>
    public abstract string Description { get; }

    /// <summary>σ of a model time (<c>model_sampling.sigma(t)</c>), in float32.</summary>
    public abstract float Sigma(float timestep);

    /// <summary>The model time of σ (<c>model_sampling.timestep(σ)</c>), in float32.</summary>
    public abstract float Timestep(float sigma);

    /// <summary><c>percent_to_sigma(p)</c> (Python float arithmetic): 1 for p ≤ 0, 0 for p ≥ 1.</summary>
    public abstract double PercentToSigma(double percent);

    /// <summary>schnell: <c>ModelSamplingDiscreteFlow(shift 1, multiplier 1)</c>, σ = t.</summary>
    public static FlowModelSampling Schnell() => new DiscreteFlowSampling(shift: 1.0, multiplier: 1.0);

    /// <summary>dev: <c>ModelSamplingFlux(shift)</c>, σ = e^μ/(e^μ + 1/t − 1) with μ = <paramref name="shift"/>.</summary>
    public static FlowModelSampling Dev(double shift = FluxShiftSampling.DefaultShift) => new FluxShiftSampling(shift);

    /// <summary>
    /// dev with the resolution-dependent μ of ComfyUI's <c>ModelSamplingFlux</c> node (<see cref="FluxShiftSampling.ResolutionShift"/>).
    /// </summary>
    public static FlowModelSampling DevForResolution(int width, int height, double maxShift = FluxShiftSampling.DefaultShift, double baseShift = FluxShiftSampling.DefaultBaseShift) =>
        new FluxShiftSampling(FluxShiftSampling.ResolutionShift(width, height, maxShift, baseShift));

    /// <summary>CONST <c>noise_scaling</c>: <c>destination = σ·noise + (1 − σ)·latent</c>.</summary>
    public static void NoiseScaling(float sigma, ReadOnlySpan<float> noise, ReadOnlySpan<float> latent, Span<float> destination) =>
        LatentMath.Combine(destination, sigma, noise, 1f - sigma, latent);

    /// <summary>CONST <c>inverse_noise_scaling</c>: <c>x ← x/(1 − σ)</c> (identity for σ = 0).</summary>
    public static void InverseNoiseScaling(float sigma, Span<float> x)
    {
        float denominator = 1f - sigma;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] /= denominator;
        }
    }

    /// <inheritdoc />
    public override string ToString() => Description;
}
