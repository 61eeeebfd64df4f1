namespace FluxServe.Models.Lora;

/// <summary>
/// Where one LoRA key stem lands: a canonical layer (<c>{Module}.weight</c>) and the block of its output rows
/// (spec/lora.md §1.1: diffusers q/k/v and proj_mlp patch row slices of the fused BFL tensors; norm_out swaps halves).
/// </summary>
/// <param name="Module">Canonical layer name (BFL for the transformer, Hugging Face for the text encoders).</param>
/// <param name="Component">The network the layer belongs to.</param>
/// <param name="Format">The naming convention the stem was written in.</param>
/// <param name="RowOffset">First output row patched.</param>
/// <param name="RowCount">Output rows patched, or -1 for "all rows" where the layer's size is not known at load time.</param>
/// <param name="SwapHalves">The stem's rows are (scale, shift) while the layer's are (shift, scale).</param>
internal readonly record struct LoraSlice(string Module, LoraComponent Component, LoraKeyFormat Format, int RowOffset, int RowCount, bool SwapHalves);
