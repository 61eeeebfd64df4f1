namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// ComfyUI's <c>ModelSamplingFlux</c> (FLUX dev): a table of T = 10000 times <c>k/T</c> mapped by
/// <c>S(t) = e^μ/(e^μ + 1/t − 1)</c>; timestep = σ. μ is 1.15 by default (the plain KSampler workflow), or the
/// resolution-dependent value of the <c>ModelSamplingFlux</c> node (spec/sampling.md §1).
/// </summary>
public sealed class FluxShiftSampling : FlowModelSampling
{
    /// <summary>Table length.</summary>
    public const int TableLength = 10000;

    /// <summary>The default μ (ComfyUI's <c>Flux</c> sampling settings; the node's max_shift).</summary>
    public const double DefaultShift = 1.15;

    /// <summary>The node's default base_shift.</summary>
    public const double DefaultBaseShift = 0.5;

    /// <summary>A FLUX shift sampling with μ = <paramref name="shift"/>.</summary>
    public FluxShiftSampling(double shift = DefaultShift)
        : base(BuildTable(shift))
    {
        Shift = shift;
    }

    /// <inheritdoc />
    public override double Shift { get; }

    /// <inheritdoc />
    public override string Description => $"ModelSamplingFlux(shift {Shift})";

    /// <summary>
    /// μ of ComfyUI's <c>ModelSamplingFlux(max_shift, base_shift, width, height)</c> node, in its Python order:
    /// <c>(w·h/(8·8·2·2))·(max − base)/(4096 − 256) + (base − (max − base)/(4096 − 256)·256)</c> (256 image tokens
    /// give <paramref name="baseShift"/>, 4096 give <paramref name="maxShift"/>).
    /// </summary>
    public static double ResolutionShift(int width, int height, double maxShift = DefaultShift, double baseShift = DefaultBaseShift)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        double tokens = (double)width * height / (8 * 8 * 2 * 2);
        double slope = (maxShift - baseShift) / (4096 - 256);
        return (tokens * slope) + (baseShift - (slope * 256));
    }

    /// <inheritdoc />
    public override float Sigma(float timestep) => FluxTimeShift(Shift, timestep);

    /// <inheritdoc />
    public override float Timestep(float sigma) => sigma;

    /// <inheritdoc />
    public override double PercentToSigma(double percent)
    {
        if (percent <= 0.0)
        {
            return 1.0;
        }

        if (percent >= 1.0)
        {
            return 0.0;
        }

        double e = Math.Exp(Shift);
        return e / (e + ((1 / (1.0 - percent)) - 1));
    }

    /// <summary>
    /// <c>flux_time_shift(μ, 1, t)</c> on a float32 tensor: <c>e^μ/(e^μ + (1/t − 1))</c> where PyTorch evaluates
    /// <c>scalar / tensor</c> as <c>reciprocal(tensor)·scalar</c> (two roundings; verified against the fixture table).
    /// </summary>
    internal static float FluxTimeShift(double mu, float t)
    {
        float e = (float)Math.Exp(mu);
        float inner = (1f / t) - 1f;
        float denominator = e + inner;
        return (1f / denominator) * e;
    }

    private static float[] BuildTable(double shift)
    {
        if (!double.IsFinite(shift))
        {
            throw new ArgumentOutOfRangeException(nameof(shift), shift, "The shift must be finite.");
        }

        var table = new float[TableLength];
        for (int k = 1; k <= TableLength; k++)
        {
            table[k - 1] = FluxTimeShift(shift, (float)k / TableLength);
        }

        return table;
    }
}
