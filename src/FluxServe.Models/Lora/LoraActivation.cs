namespace FluxServe.Models.Lora;

/// <summary>One adapter at a request's strength (spec/lora.md §1: negative subtracts, 0 disables it exactly).</summary>
/// <param name="Adapter">The adapter.</param>
/// <param name="Strength">Multiplier of the transformer's adaptation (any finite value; the API allows −10..10).</param>
/// <param name="TextEncoderStrength">Multiplier of the text encoders' adaptation (ComfyUI's <c>strength_clip</c>).</param>
public readonly record struct LoraActivation(LoraAdapter Adapter, float Strength, float TextEncoderStrength)
{
    /// <summary>The adapter with the same strength for the transformer and the text encoders (spec §1.2's default).</summary>
    public LoraActivation(LoraAdapter adapter, float strength)
        : this(adapter, strength, strength)
    {
    }

    /// <summary>The strength for a layer of <paramref name="component"/>.</summary>
    public float StrengthFor(LoraComponent component) =>
        component == LoraComponent.Transformer ? Strength : TextEncoderStrength;
}
