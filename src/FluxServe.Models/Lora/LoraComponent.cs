namespace FluxServe.Models.Lora;

/// <summary>The network a LoRA target belongs to; text-encoder targets get their own strength (spec/lora.md §1.2).</summary>
public enum LoraComponent
{
    /// <summary>The FLUX transformer (BFL names, spec/flux-transformer.md §10).</summary>
    Transformer,

    /// <summary>The CLIP-L text encoder (Hugging Face names, <c>text_model.encoder.layers.N.…</c>).</summary>
    ClipText,

    /// <summary>The T5-XXL encoder (Hugging Face names, <c>encoder.block.N.…</c>).</summary>
    T5,
}
