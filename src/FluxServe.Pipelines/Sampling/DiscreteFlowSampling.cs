namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// ComfyUI's <c>ModelSamplingDiscreteFlow</c> (FLUX schnell: shift 1, multiplier 1): a table of T = 1000 times
/// <c>k/T</c> mapped by <c>time_snr_shift(shift, t) = shift·t/(1 + (shift − 1)·t)</c>, timestep = σ·multiplier.
/// </summary>
public sealed class DiscreteFlowSampling : FlowModelSampling
{
    /// <summary>Table length.</summary>
    public const int TableLength = 1000;

    private readonly double _multiplier;

    /// <summary>A discrete-flow sampling with <paramref name="shift"/> and time <paramref name="multiplier"/>.</summary>
    public DiscreteFlowSampling(double shift = 1.0, double multiplier = 1.0)
        : base(BuildTable(shift, multiplier))
    {
        Shift = shift;
        _multiplier = multiplier;
    }

    /// <inheritdoc />
    public override double Shift { get; }

    /// <summary>The factor from σ to model time.</summary>
    public double Multiplier => _multiplier;

    /// <inheritdoc />
    public override string Description => $"ModelSamplingDiscreteFlow(shift {Shift}, multiplier {_multiplier})";

    /// <inheritdoc />
    public override float Sigma(float timestep) => SigmaOf(Shift, _multiplier, timestep);

    /// <inheritdoc />
    public override float Timestep(float sigma) => sigma * (float)_multiplier;

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

        double t = 1.0 - percent;
        return Shift == 1.0 ? t : Shift * t / (1 + ((Shift - 1) * t));
    }

    private static float SigmaOf(double shift, double multiplier, float timestep)
    {
        float t = timestep / (float)multiplier;

        // time_snr_shift(alpha, t) on a float32 tensor; identity at alpha == 1 (Python's exact test).
        return shift == 1.0 ? t : ((float)shift * t) / (1f + ((float)(shift - 1) * t));
    }

    private static float[] BuildTable(double shift, double multiplier)
    {
        if (!double.IsFinite(shift) || shift <= 0 || !double.IsFinite(multiplier) || multiplier <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(shift), "shift and multiplier must be positive and finite.");
        }

        // sigma((arange(1, T + 1) / T) * multiplier), each step a float32 tensor operation.
        var table = new float[TableLength];
        for (int k = 1; k <= TableLength; k++)
        {
            float t = (float)k / TableLength * (float)multiplier;
            table[k - 1] = SigmaOf(shift, multiplier, t);
        }

        return table;
    }
}
