namespace FluxServe.Models.Flux;

/// <summary>The on-disk layouts of a FLUX.1 transformer that <see cref="FluxCheckpoint"/> reads.</summary>
public enum FluxCheckpointLayout
{
    /// <summary>Black Forest Labs' single file (<c>flux1-schnell.safetensors</c>): BFL names, no prefix.</summary>
    Bfl,
    /// <summary>BFL names under ComfyUI's <c>model.diffusion_model.</c> (or a bare <c>diffusion_model.</c>) prefix.</summary>
    ComfyUi,
    /// <summary>A diffusers <c>transformer/</c> folder: split q/k/v, <c>proj_mlp</c>, swapped <c>norm_out</c> halves.</summary>
    Diffusers,
}
