namespace FluxServe.Models.Lora;

/// <summary>The adapter types a LoRA file can hold per layer (spec/lora.md §1, §3).</summary>
public enum LoraAdapterKind
{
    /// <summary>LoRA / LoCon: <c>ΔW = up·down</c>, scale alpha / rank.</summary>
    LoRA,

    /// <summary>LoHa: <c>ΔW = (w1a·w1b) ⊙ (w2a·w2b)</c>, scale alpha / rows(w1b).</summary>
    LoHa,

    /// <summary>LoKr: <c>ΔW = kron(w1, w2)</c> with optionally factored w1/w2.</summary>
    LoKr,

    /// <summary>Full-weight differences (<c>.diff</c>, <c>.w_norm</c>) and bias differences (<c>.diff_b</c>, <c>.b_norm</c>).</summary>
    Difference,

    /// <summary>DoRA: a LoRA/LoHa/LoKr term renormalised by a magnitude vector (<c>dora_scale</c>).</summary>
    DoRA,
}
