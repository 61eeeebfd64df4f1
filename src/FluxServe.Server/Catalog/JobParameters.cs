using System.Globalization;
using System.Text.Json.Serialization;
using FluxServe.Server.Generation;

namespace FluxServe.Server.Catalog;

/// <summary>A validated request with every default applied and sizes resolved: what a job stores and a worker runs.</summary>
public sealed record JobParameters
{
    [JsonPropertyName("prompt")]
    public required string Prompt { get; init; }

    [JsonPropertyName("width")]
    public required int Width { get; init; }

    [JsonPropertyName("height")]
    public required int Height { get; init; }

    [JsonPropertyName("steps")]
    public required int Steps { get; init; }

    [JsonPropertyName("seed")]
    public required ulong Seed { get; init; }

    /// <summary>The API sampler name (<c>euler_pp</c> and the like stay as the client wrote them).</summary>
    [JsonPropertyName("sampler_name")]
    public required string Sampler { get; init; }

    [JsonPropertyName("scheduler")]
    public required string Scheduler { get; init; }

    [JsonPropertyName("samples")]
    public required int Samples { get; init; }

    [JsonPropertyName("denoise")]
    public required double Denoise { get; init; }

    [JsonPropertyName("guidance")]
    public required double Guidance { get; init; }

    [JsonPropertyName("output_format")]
    public required ImageFormat OutputFormat { get; init; }

    [JsonPropertyName("output_quality")]
    public required int OutputQuality { get; init; }

    /// <summary>Whether a v1 answer carries base64 images in JSON.</summary>
    [JsonPropertyName("base64")]
    public required bool Base64 { get; init; }

    /// <summary>The stored input image (<c>{data}/inputs/{name}</c>) of an image endpoint, else null.</summary>
    [JsonPropertyName("input_image")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? InputImage { get; init; }

    /// <summary>The registered LoRA of a LoRA endpoint, else null.</summary>
    [JsonPropertyName("lora_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LoraId { get; init; }

    /// <summary>The LoRA's strength (-10..10) when <see cref="LoraId"/> is set.</summary>
    [JsonPropertyName("lora_strength")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public double LoraStrength { get; init; }

    /// <summary>The client asked for the images without the safety checker.</summary>
    [JsonPropertyName("disable_safety_checker")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool DisableSafetyChecker { get; init; }

    /// <summary>Jobs with equal batch keys may share one forward pass (DESIGN.md "Serving").</summary>
    [JsonIgnore]
    public string BatchKey => string.Create(CultureInfo.InvariantCulture,
        $"{Width}x{Height}|{Steps}|{Sampler}|{Scheduler}|{Denoise:R}|{Guidance:R}|{OutputFormat}|{OutputQuality}|{LoraId}|{LoraStrength:R}|{InputImage is null}");

    /// <summary>Megapixels of one image (width × height / 10^6), the unit of the per-megapixel-step price.</summary>
    [JsonIgnore]
    public double Megapixels => Width * (double)Height / 1_000_000d;
}
