namespace FluxServe.Models.Lora;

/// <summary>What one tensor of a LoRA file is for, from its key suffix (spec/lora.md §2–3, ComfyUI's suffix list).</summary>
internal enum LoraKeyRole
{
    Up,
    Down,
    Alpha,
    HadaW1A,
    HadaW1B,
    HadaW2A,
    HadaW2B,
    LokrW1,
    LokrW1A,
    LokrW1B,
    LokrW2,
    LokrW2A,
    LokrW2B,
    WeightDifference,
    BiasDifference,

    /// <summary>DoRA's magnitude vector, a modifier of the stem's LoRA/LoHa/LoKr term.</summary>
    DoraScale,

    /// <summary>A suffix of an adapter type that is recognised but cannot be applied (named in the error).</summary>
    Unsupported,
}

/// <summary>The suffix table: every accepted suffix with its role, and for unsupported ones the reason.</summary>
internal static class LoraKeySuffixes
{
    /// <summary>(suffix, role, pair id for up/down conventions or the reason for unsupported suffixes).</summary>
    public static readonly (string Suffix, LoraKeyRole Role, string Note)[] All =
    [
        (".lora_up.weight", LoraKeyRole.Up, "lora_up"),
        (".lora_down.weight", LoraKeyRole.Down, "lora_up"),
        (".lora_B.weight", LoraKeyRole.Up, "lora_B"),
        (".lora_A.weight", LoraKeyRole.Down, "lora_B"),
        ("_lora.up.weight", LoraKeyRole.Up, "_lora.up"),
        ("_lora.down.weight", LoraKeyRole.Down, "_lora.up"),
        (".lora.up.weight", LoraKeyRole.Up, ".lora.up"),
        (".lora.down.weight", LoraKeyRole.Down, ".lora.up"),
        (".lora_B", LoraKeyRole.Up, "lora_B bare"),
        (".lora_A", LoraKeyRole.Down, "lora_B bare"),
        (".lora_linear_layer.up.weight", LoraKeyRole.Up, "lora_linear_layer"),
        (".lora_linear_layer.down.weight", LoraKeyRole.Down, "lora_linear_layer"),
        (".lora_B.default.weight", LoraKeyRole.Up, "lora_B.default"),
        (".lora_A.default.weight", LoraKeyRole.Down, "lora_B.default"),
        (".up.weight", LoraKeyRole.Up, "up"),
        (".down.weight", LoraKeyRole.Down, "up"),
        (".alpha", LoraKeyRole.Alpha, ""),
        (".hada_w1_a", LoraKeyRole.HadaW1A, ""),
        (".hada_w1_b", LoraKeyRole.HadaW1B, ""),
        (".hada_w2_a", LoraKeyRole.HadaW2A, ""),
        (".hada_w2_b", LoraKeyRole.HadaW2B, ""),
        (".lokr_w1", LoraKeyRole.LokrW1, ""),
        (".lokr_w1_a", LoraKeyRole.LokrW1A, ""),
        (".lokr_w1_b", LoraKeyRole.LokrW1B, ""),
        (".lokr_w2", LoraKeyRole.LokrW2, ""),
        (".lokr_w2_a", LoraKeyRole.LokrW2A, ""),
        (".lokr_w2_b", LoraKeyRole.LokrW2B, ""),
        (".diff", LoraKeyRole.WeightDifference, ""),
        (".w_norm", LoraKeyRole.WeightDifference, ""),
        (".diff_b", LoraKeyRole.BiasDifference, ""),
        (".b_norm", LoraKeyRole.BiasDifference, ""),
        (".dora_scale", LoraKeyRole.DoraScale, ""),
        (".lora_mid.weight", LoraKeyRole.Unsupported, "LoCon Tucker factors (lora_mid) are for convolutions; FLUX has none"),
        (".hada_t1", LoraKeyRole.Unsupported, "LoHa Tucker factors (hada_t1/hada_t2) are for convolutions; FLUX has none"),
        (".hada_t2", LoraKeyRole.Unsupported, "LoHa Tucker factors (hada_t1/hada_t2) are for convolutions; FLUX has none"),
        (".lokr_t2", LoraKeyRole.Unsupported, "LoKr Tucker factors (lokr_t2) are for convolutions; FLUX has none"),
        (".set_weight", LoraKeyRole.Unsupported, "set_weight replaces a weight outright; it is a checkpoint edit, not an adapter"),
        (".reshape_weight", LoraKeyRole.Unsupported, "reshape_weight pads the base weight to another shape; not supported"),
        (".a1.weight", LoraKeyRole.Unsupported, "GLoRA adapters are not supported"),
        (".a2.weight", LoraKeyRole.Unsupported, "GLoRA adapters are not supported"),
        (".b1.weight", LoraKeyRole.Unsupported, "GLoRA adapters are not supported"),
        (".b2.weight", LoraKeyRole.Unsupported, "GLoRA adapters are not supported"),
        (".oft_blocks", LoraKeyRole.Unsupported, "OFT/BOFT adapters (a multiplicative rotation of W) are not supported"),
        (".oft_diag", LoraKeyRole.Unsupported, "OFT/BOFT adapters (a multiplicative rotation of W) are not supported"),
        (".rescale", LoraKeyRole.Unsupported, "OFT/BOFT adapters (a multiplicative rotation of W) are not supported"),
        (".lora_B.bias", LoraKeyRole.Unsupported, "LoRA bias terms (BFL control LoRAs) are not supported: control LoRAs are out of scope"),
        (".lora_A.bias", LoraKeyRole.Unsupported, "LoRA bias terms (BFL control LoRAs) are not supported: control LoRAs are out of scope"),
    ];
}
