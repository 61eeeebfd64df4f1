namespace FluxServe.Server.Configuration;

/// <summary>Prices per endpoint name (section <c>Prices</c>, e.g. <c>Prices:flux-dev:PerMegapixelStep</c>).</summary>
/// <remarks>cost = samples × (PerImage + PerMegapixelStep × width·height/10⁶ × steps), rounded up to a millionth.</remarks>
public sealed class PricingOptions
{
    public IDictionary<string, ModelPrice> Models { get; } = new Dictionary<string, ModelPrice>(StringComparer.Ordinal)
    {
        ["flux-schnell"] = new() { PerImage = 0.003m },
        ["fast-flux-schnell"] = new() { PerImage = 0.003m },
        ["flux-dev"] = new() { PerMegapixelStep = 0.0015m },
    };
}
