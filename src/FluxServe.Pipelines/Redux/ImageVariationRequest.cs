using FluxServe.Pipelines.Imaging;

namespace FluxServe.Pipelines.Redux;

/// <summary>One Redux image-variation job (<c>flux-redux-schnell</c>): the image replaces the prompt.</summary>
public sealed record ImageVariationRequest
{
    /// <summary>The image whose Redux tokens condition the generation.</summary>
    public required RgbImage Image { get; init; }

    /// <summary>Output width in pixels (a multiple of 16).</summary>
    public int Width { get; init; } = 1024;

    /// <summary>Output height in pixels (a multiple of 16).</summary>
    public int Height { get; init; } = 1024;

    /// <summary>Sampling steps.</summary>
    public int Steps { get; init; } = 4;

    /// <summary>The seed (PyTorch CPU <c>manual_seed(seed); randn</c> of the latent batch).</summary>
    public ulong Seed { get; init; }

    /// <summary>Images in the batch (one noise draw for the whole batch).</summary>
    public int Samples { get; init; } = 1;

    /// <summary>A ComfyUI sampler name.</summary>
    public string Sampler { get; init; } = "euler";

    /// <summary>A ComfyUI scheduler name.</summary>
    public string Scheduler { get; init; } = "simple";

    /// <summary>Multiplier of the Redux tokens (ComfyUI <c>StyleModelApply</c> strength, type multiply).</summary>
    public float Strength { get; init; } = 1f;

    /// <summary>FLUX.1-dev's distilled guidance (ignored by schnell).</summary>
    public float Guidance { get; init; } = 3.5f;
}
