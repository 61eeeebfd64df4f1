namespace FluxServe.Models.Lora;

/// <summary>The key-naming conventions of LoRA files for FLUX.1 (spec/lora.md §2), as detected per key.</summary>
public enum LoraKeyFormat
{
    /// <summary>BFL / ComfyUI native: <c>diffusion_model.double_blocks.0.img_attn.qkv.lora_A.weight</c>.</summary>
    Bfl,

    /// <summary>kohya sd-scripts: <c>lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight</c>.</summary>
    Kohya,

    /// <summary>diffusers / PEFT (ai-toolkit, SimpleTuner): <c>transformer.transformer_blocks.0.attn.to_q.lora_A.weight</c>.</summary>
    Diffusers,

    /// <summary>OneTrainer: the diffusers path with underscores, <c>lora_transformer_transformer_blocks_0_attn_to_q</c>.</summary>
    OneTrainer,

    /// <summary>SimpleTuner LyCORIS: <c>lycoris_transformer_blocks_0_attn_to_q.…</c>.</summary>
    Lycoris,

    /// <summary>XLabs: <c>double_blocks.0.processor.qkv_lora1.down.weight</c>.</summary>
    XLabs,

    /// <summary>kohya text-encoder keys: <c>lora_te1_…</c> (CLIP-L), <c>lora_te2_…</c>/<c>lora_te3_…</c> (T5).</summary>
    KohyaTextEncoder,

    /// <summary>diffusers text-encoder keys: <c>text_encoder.text_model.…</c> (CLIP-L), <c>text_encoder_2.encoder.…</c> (T5).</summary>
    DiffusersTextEncoder,
}
