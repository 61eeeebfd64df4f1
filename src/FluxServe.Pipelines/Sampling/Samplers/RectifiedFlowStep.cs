namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// The ancestral step of ComfyUI's flow ("RF") samplers (spec/sampling.md §6.2), in float32:
/// <c>σ_d = σ'·(1 + (σ'/σ − 1)·η)</c>, <c>rescale = (1 − σ')/(1 − σ_d)</c>,
/// <c>renoise = √(σ'² − σ_d²·(1 − σ')²/(1 − σ_d)²)</c>.
/// </summary>
internal readonly record struct RectifiedFlowStep(float SigmaDown, float Rescale, float Renoise)
{
    public static RectifiedFlowStep Of(float sigma, float next, float eta)
    {
        float ratio = 1f + (((next / sigma) - 1f) * eta);
        float down = next * ratio;
        float alphaNext = 1f - next;
        float alphaDown = 1f - down;
        float renoise = MathF.Sqrt((next * next) - (down * down * (alphaNext * alphaNext) / (alphaDown * alphaDown)));
        return new RectifiedFlowStep(down, alphaNext / alphaDown, renoise);
    }
}
