namespace FluxServe.Models.Checkpoints;

/// <summary>
/// What a loader found in a checkpoint before reading any data: a recipe per canonical tensor, per-weight fp8 scales,
/// and the checkpoint tensors nothing uses.
/// </summary>
/// <param name="Description">What the checkpoint was taken for, for messages ("FLUX.1-dev transformer (Diffusers layout)").</param>
/// <param name="Recipes">Canonical name → how to make it.</param>
/// <param name="Scales">Canonical weight name → fp8 dequantisation scale.</param>
/// <param name="Unmatched">Checkpoint tensors that no recipe reads (reported as unexpected).</param>
internal sealed record CheckpointPlan(
    string Description,
    Dictionary<string, TensorRecipe> Recipes,
    Dictionary<string, float> Scales,
    IReadOnlyList<string> Unmatched);
