using System.Text.Json.Serialization;

namespace FluxServe.Client;

/// <summary>Text-to-image parameters; null members are left out so the server's defaults apply.</summary>
/// <remarks>Which members an endpoint takes is in the server's <c>docs/api.md</c> (e.g. fast-flux-schnell takes
/// <see cref="AspectRatio"/>, flux-schnell <see cref="Width"/>/<see cref="Height"/>).</remarks>
public sealed record TextToImageRequest
{
    /// <summary>The text prompt (required).</summary>
    [JsonPropertyName("prompt")]
    public required string Prompt { get; init; }

    /// <summary>Denoising steps.</summary>
    [JsonPropertyName("steps")]
    public int? Steps { get; init; }

    /// <summary>Noise seed (PyTorch CPU <c>manual_seed</c> semantics).</summary>
    [JsonPropertyName("seed")]
    public ulong? Seed { get; init; }

    /// <summary>ComfyUI sampler name.</summary>
    [JsonPropertyName("sampler_name")]
    public string? Sampler { get; init; }

    /// <summary>ComfyUI scheduler name.</summary>
    [JsonPropertyName("scheduler")]
    public string? Scheduler { get; init; }

    /// <summary>Images from the seed (1..4).</summary>
    [JsonPropertyName("samples")]
    public int? Samples { get; init; }

    /// <summary>Width in pixels.</summary>
    [JsonPropertyName("width")]
    public int? Width { get; init; }

    /// <summary>Height in pixels.</summary>
    [JsonPropertyName("height")]
    public int? Height { get; init; }

    /// <summary>Aspect ratio such as "16:9" (about one megapixel).</summary>
    [JsonPropertyName("aspect_ratio")]
    public string? AspectRatio { get; init; }

    /// <summary>KSampler denoise, 0..1.</summary>
    [JsonPropertyName("denoise")]
    public double? Denoise { get; init; }

    /// <summary>Distilled guidance (dev models).</summary>
    [JsonPropertyName("guidance")]
    public double? Guidance { get; init; }

    /// <summary>v1: answer JSON with base64 images.</summary>
    [JsonPropertyName("base64")]
    public bool? Base64 { get; init; }

    /// <summary>v2: URL that receives the signed result when the job ends.</summary>
    [JsonPropertyName("webhook_url")]
    public Uri? WebhookUrl { get; init; }
}
