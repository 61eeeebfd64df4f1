namespace FluxServe.Models.T5;

/// <summary>Hyper-parameters of a T5 v1.1 encoder (spec/text-encoders.md §2); T5-XXL by default.</summary>
public sealed record T5Config
{
    /// <summary>Embedding rows.</summary>
    public int VocabSize { get; init; } = 32128;

    /// <summary>Model width.</summary>
    public int DModel { get; init; } = 4096;

    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 64;

    /// <summary>Width of one head.</summary>
    public int DKv { get; init; } = 64;

    /// <summary>Gated-GELU feed-forward width.</summary>
    public int DFf { get; init; } = 10240;

    /// <summary>Encoder blocks.</summary>
    public int Layers { get; init; } = 24;

    /// <summary>Relative position buckets.</summary>
    public int NumBuckets { get; init; } = 32;

    /// <summary>Distance at which the logarithmic buckets saturate.</summary>
    public int MaxDistance { get; init; } = 128;

    /// <summary>RMSNorm epsilon.</summary>
    public float LayerNormEps { get; init; } = 1e-6f;
}
