namespace FluxServe.Models.Checkpoints;

/// <summary>How one canonical tensor is made from the tensors of a checkpoint.</summary>
internal enum RecipeKind
{
    /// <summary>The one source tensor as it is (zero-copy on the CPU).</summary>
    Direct,
    /// <summary>The sources concatenated along dimension 0 (diffusers' split q/k/v/mlp projections).</summary>
    ConcatRows,
    /// <summary>The source with its two halves along dimension 0 exchanged (diffusers' norm_out (scale, shift)).</summary>
    SwapHalves,
}

/// <summary>A canonical tensor's recipe: its kind and the checkpoint names it reads.</summary>
internal sealed record TensorRecipe(RecipeKind Kind, string[] Sources);
