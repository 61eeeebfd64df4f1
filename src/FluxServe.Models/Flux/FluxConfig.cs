namespace FluxServe.Models.Flux;

/// <summary>
/// Hyper-parameters of a FLUX.1 transformer (spec/flux-transformer.md §1). Inferred from the checkpoint's tensors by
/// <see cref="FluxCheckpoint"/>, never taken on trust from a file name.
/// </summary>
public sealed record FluxConfig
{
    /// <summary>Packed latent features per image token (16 channels × 2×2 patch = 64).</summary>
    public int InChannels { get; init; } = 64;

    /// <summary>Transformer width D.</summary>
    public int HiddenSize { get; init; } = 3072;

    /// <summary>Attention heads H (head dim = D / H).</summary>
    public int NumHeads { get; init; } = 24;

    /// <summary>MLP hidden width (mlp_ratio · D).</summary>
    public int MlpHiddenSize { get; init; } = 12288;

    /// <summary>Double-stream blocks.</summary>
    public int Depth { get; init; } = 19;

    /// <summary>Single-stream blocks.</summary>
    public int DepthSingleBlocks { get; init; } = 38;

    /// <summary>Pooled text vector width (CLIP-L: 768).</summary>
    public int VecInDim { get; init; } = 768;

    /// <summary>Text token width (T5-XXL: 4096).</summary>
    public int ContextInDim { get; init; } = 4096;

    /// <summary>RoPE dimensions per position axis; they sum to the head dimension.</summary>
    public IReadOnlyList<int> AxesDim { get; init; } = [16, 56, 56];

    /// <summary>RoPE base.</summary>
    public double Theta { get; init; } = 10000;

    /// <summary>True for FLUX.1-dev (a guidance embedding is present), false for schnell.</summary>
    public bool GuidanceEmbed { get; init; }

    /// <summary>Sinusoidal timestep embedding width.</summary>
    public int TimestepEmbeddingDim { get; init; } = 256;

    /// <summary>Head dimension D / H.</summary>
    public int HeadDim => HiddenSize / NumHeads;

    /// <summary>The variant's name: "dev" with a guidance embedding, else "schnell".</summary>
    public string Variant => GuidanceEmbed ? "dev" : "schnell";
}
