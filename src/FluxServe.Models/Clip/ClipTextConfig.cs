namespace FluxServe.Models.Clip;

/// <summary>Hyper-parameters of a CLIP text transformer (spec/text-encoders.md §1); CLIP-L by default.</summary>
public sealed record ClipTextConfig
{
    /// <summary>Token embedding rows.</summary>
    public int VocabSize { get; init; } = 49408;

    /// <summary>Width D.</summary>
    public int HiddenSize { get; init; } = 768;

    /// <summary>Encoder layers.</summary>
    public int Layers { get; init; } = 12;

    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 12;

    /// <summary>MLP width.</summary>
    public int IntermediateSize { get; init; } = 3072;

    /// <summary>Learned positions (the longest sequence).</summary>
    public int MaxPositions { get; init; } = 77;

    /// <summary>LayerNorm epsilon.</summary>
    public float LayerNormEps { get; init; } = 1e-5f;

    /// <summary>The end-of-text id whose first occurrence gives the pooled vector.</summary>
    public int EosTokenId { get; init; } = 49407;
}
