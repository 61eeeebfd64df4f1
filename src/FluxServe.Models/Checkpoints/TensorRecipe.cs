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

/// <summary>A canonical tensor's recipe: its kind, the checkpoint names it reads and, for a reshaped view, its shape.</summary>
/// <param name="Kind">How the sources combine.</param>
/// <param name="Sources">Checkpoint tensor names.</param>
/// <param name="Reshape">For <see cref="RecipeKind.Direct"/>: the canonical shape when it differs from the stored one
/// with the same element count (diffusers stores the autoencoder's 1×1 attention convs as Linear weights).</param>
internal sealed record TensorRecipe(RecipeKind Kind, string[] Sources, int[]? Reshape = null);
