namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// ComfyUI's <c>BrownianTreeNoiseSampler</c> (unbatched seed): a <see cref="BrownianTree"/> over
/// [σ_min, σ_max] of the schedule with entropy = seed; a call for (σ, σ') returns
/// <c>W(σ, σ')/√|σ' − σ|</c>, the increment's sign following the query direction (spec/sampling.md §5).
/// </summary>
internal sealed class BrownianTreeNoise : SamplerNoise
{
    private readonly BrownianTree _tree;
    private readonly int _treeSign;

    /// <summary>A tree for latents of <paramref name="length"/> elements over the σ range of a schedule.</summary>
    public BrownianTreeNoise(int length, float sigmaMin, float sigmaMax, ulong seed)
    {
        (float t0, float t1, _treeSign) = Sort(sigmaMin, sigmaMax);
        _tree = new BrownianTree(t0, t1, length, seed);
    }

    /// <summary>Queries whose end points fell outside [σ_min, σ_max] by rounding and were clamped (torchsde warns).</summary>
    public int ClampedQueries => _tree.ClampedQueries;

    /// <inheritdoc />
    public override void Next(float sigma, float sigmaNext, Span<float> destination)
    {
        (float a, float b, int sign) = Sort(sigma, sigmaNext);
        _tree.Increment(a, b, destination);
        float scale = MathF.Sqrt(MathF.Abs(sigmaNext - sigma));
        float factor = _treeSign * sign;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = destination[i] * factor / scale;
        }
    }

    private static (float A, float B, int Sign) Sort(float a, float b) => a < b ? (a, b, 1) : (b, a, -1);
}
