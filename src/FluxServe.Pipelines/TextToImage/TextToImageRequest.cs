namespace FluxServe.Pipelines.TextToImage;

/// <summary>One text-to-image job: the API's parameters, already validated by the caller's contract.</summary>
public sealed record TextToImageRequest
{
    /// <summary>The prompt.</summary>
    public required string Prompt { get; init; }

    /// <summary>Image width in pixels (a multiple of 16).</summary>
    public int Width { get; init; } = 1024;

    /// <summary>Image height in pixels (a multiple of 16).</summary>
    public int Height { get; init; } = 1024;

    /// <summary>Sampling steps.</summary>
    public int Steps { get; init; } = 4;

    /// <summary>The seed: the start noise is PyTorch's <c>manual_seed(seed); randn</c> of the latent batch.</summary>
    public ulong Seed { get; init; } = 123456789;

    /// <summary>A ComfyUI sampler name.</summary>
    public string Sampler { get; init; } = "euler";

    /// <summary>A ComfyUI scheduler name.</summary>
    public string Scheduler { get; init; } = "normal";

    /// <summary>Images in the batch (one noise draw for the whole batch, as ComfyUI does).</summary>
    public int Samples { get; init; } = 1;

    /// <summary>ComfyUI's denoise (1 = from pure noise).</summary>
    public double Denoise { get; init; } = 1.0;

    /// <summary>Classifier-free guidance scale (1 for FLUX: the negative pass runs only for cfg_pp samplers).</summary>
    public double Cfg { get; init; } = 1.0;

    /// <summary>FLUX.1-dev's distilled guidance (ignored by schnell).</summary>
    public float Guidance { get; init; } = 3.5f;
}
