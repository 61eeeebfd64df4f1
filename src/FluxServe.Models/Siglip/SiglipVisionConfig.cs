namespace FluxServe.Models.Siglip;

/// <summary>
/// Hyper-parameters of a SigLIP vision tower (spec/redux.md §2); google/siglip-so400m-patch14-384 by default, the
/// tower FLUX.1 Redux reads.
/// </summary>
public sealed record SiglipVisionConfig
{
    /// <summary>Width D.</summary>
    public int HiddenSize { get; init; } = 1152;

    /// <summary>Encoder layers.</summary>
    public int Layers { get; init; } = 27;

    /// <summary>Attention heads (so400m: 16 heads of 72).</summary>
    public int Heads { get; init; } = 16;

    /// <summary>MLP width.</summary>
    public int IntermediateSize { get; init; } = 4304;

    /// <summary>Input channels.</summary>
    public int Channels { get; init; } = 3;

    /// <summary>Side of the square patches (the patch convolution's kernel and stride).</summary>
    public int PatchSize { get; init; } = 14;

    /// <summary>
    /// Side of the square input the preprocessing produces (384 for so400m). Only the first
    /// <see cref="GridSize"/>·<see cref="PatchSize"/> pixels of each row and column are seen (378 of 384).
    /// </summary>
    public int ImageSize { get; init; } = 384;

    /// <summary>LayerNorm epsilon: 1e-6 in HF's config; ComfyUI builds the same layers with PyTorch's default 1e-5.</summary>
    public float LayerNormEps { get; init; } = 1e-6f;

    /// <summary>Patches per side: <c>ImageSize / PatchSize</c> rounded down (27).</summary>
    public int GridSize => ImageSize / PatchSize;

    /// <summary>Tokens per image: the learned positions (729).</summary>
    public int Positions => GridSize * GridSize;

    /// <summary>Width of one head.</summary>
    public int HeadDim => HiddenSize / Heads;
}
