namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// What a sampler reports once per step (ComfyUI's callback: <c>i</c>, <c>x</c>, <c>denoised</c>, total steps):
/// the latent before the step's update and the step's denoised prediction. The spans are valid during the call only.
/// </summary>
public readonly ref struct SamplerStep
{
    /// <summary>A report for step <paramref name="index"/> of <paramref name="totalSteps"/>.</summary>
    public SamplerStep(int index, int totalSteps, float sigma, ReadOnlySpan<float> x, ReadOnlySpan<float> denoised)
    {
        Index = index;
        TotalSteps = totalSteps;
        Sigma = sigma;
        X = x;
        Denoised = denoised;
    }

    /// <summary>The step index (adaptive samplers count rejected steps too, as ComfyUI does).</summary>
    public int Index { get; }

    /// <summary><c>len(sigmas) − 1</c>: the planned steps (an adaptive sampler may report more or fewer).</summary>
    public int TotalSteps { get; }

    /// <summary>σ of this step.</summary>
    public float Sigma { get; }

    /// <summary>The latent before this step's update.</summary>
    public ReadOnlySpan<float> X { get; }

    /// <summary>This step's denoised prediction (a preview of the result).</summary>
    public ReadOnlySpan<float> Denoised { get; }
}
