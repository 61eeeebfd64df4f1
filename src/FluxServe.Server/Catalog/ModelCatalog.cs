using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace FluxServe.Server.Catalog;

/// <summary>The model endpoints of API.md and their parameters (the tables of API.md "Parameters").</summary>
public static partial class ModelCatalog
{
    public static readonly ModelEndpoint FluxSchnell = new("flux-schnell", "flux-schnell",
        "FLUX.1 [schnell] text to image (ComfyUI KSampler parameters).",
        [
            Prompt(),
            Int("steps", 4, 1, 8, "Denoising steps."),
            Seed(123456789UL),
            Sampler(),
            Scheduler("normal"),
            Int("samples", 1, 1, 4, "Images to generate from the seed; every one is returned."),
            Side("width"),
            Side("height"),
            Num("denoise", 1, 0, 1, "KSampler denoise: 1 runs the whole schedule."),
            Base64(),
            Webhook(),
        ])
    {
        DefaultScheduler = "normal",
    };

    public static readonly ModelEndpoint FastFluxSchnell = new("fast-flux-schnell", "flux-schnell",
        "FLUX.1 [schnell] on the fastest path of the machine, sized by aspect ratio (about one megapixel).",
        [
            Prompt(),
            Int("steps", 4, 1, 8, "Denoising steps."),
            Seed(1184522UL),
            Ratio(["1:1", "16:9", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"], "1:1"),
            Base64(),
            Webhook(),
        ])
    {
        AnswersJson = true,
        DefaultScheduler = "simple",
        DefaultAspectRatio = "1:1",
    };

    public static readonly ModelEndpoint FluxDev = new("flux-dev", "flux-dev",
        "FLUX.1 [dev] text to image: the LoRA endpoints' parameters without a LoRA, plus width/height and guidance.",
        [
            Prompt(),
            Int("steps", 20, 1, 100, "Denoising steps."),
            Seed(null),
            Sampler(),
            Scheduler("simple"),
            Ratio(["1:1", "2:3", "3:4", "5:8", "9:16", "9:19", "9:21", "3:2", "4:3", "8:5", "16:9", "19:9", "21:9"], "1:1"),
            Int("samples", 1, 1, 4, "Images to generate from the seed; every one is returned."),
            new ParameterSpec("width", ParameterKind.Integer, "Image width in pixels; with height, overrides aspect_ratio.")
            { Minimum = 128, Maximum = 2048, MultipleOf = 16 },
            new ParameterSpec("height", ParameterKind.Integer, "Image height in pixels; with width, overrides aspect_ratio.")
            { Minimum = 128, Maximum = 2048, MultipleOf = 16 },
            Num("guidance", 3.5, 0, 100, "Distilled guidance strength."),
            Num("denoise", 1, 0, 1, "KSampler denoise: 1 runs the whole schedule."),
            Base64(),
            Webhook(),
        ])
    {
        DefaultAspectRatio = "1:1",
    };

    /// <summary>The endpoints this build serves, by name.</summary>
    public static readonly FrozenDictionary<string, ModelEndpoint> Endpoints =
        new[] { FluxSchnell, FastFluxSchnell, FluxDev }.ToFrozenDictionary(e => e.Name, StringComparer.Ordinal);

    public static ModelLookup Find(string name)
    {
        if (Endpoints.TryGetValue(name, out var endpoint))
        {
            return new ModelLookup(endpoint, null);
        }

        if (name == "flux-redux-schnell")
        {
            return new ModelLookup(null, "The model flux-redux-schnell is not installed on this server.");
        }

        if (LoraEndpointName().IsMatch(name))
        {
            return new ModelLookup(null, $"The LoRA endpoint {name} is not installed on this server.");
        }

        return new ModelLookup(null, $"Unknown model {name}; this server has {string.Join(", ", Endpoints.Keys)}.");
    }

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-.+$", RegexOptions.CultureInvariant)]
    private static partial Regex LoraEndpointName();

    private static ParameterSpec Prompt() =>
        new("prompt", ParameterKind.String, "Text prompt for generating the image.") { Required = true };

    private static ParameterSpec Int(string name, long fallback, int min, int max, string description) =>
        new(name, ParameterKind.Integer, description) { Default = fallback, Minimum = min, Maximum = max };

    private static ParameterSpec Num(string name, double fallback, double min, double max, string description) =>
        new(name, ParameterKind.Number, description) { Default = fallback, Minimum = min, Maximum = max };

    private static ParameterSpec Seed(ulong? fallback) =>
        new("seed", ParameterKind.Seed, fallback is null
            ? "Seed for the noise; random (and reported) when absent."
            : "Seed for the noise (PyTorch CPU manual_seed semantics).")
        { Default = fallback };

    private static ParameterSpec Side(string name) =>
        new(name, ParameterKind.Integer, $"Image {name} in pixels (multiples of 64 recommended, 16 accepted).")
        { Default = 1024L, Minimum = 128, Maximum = 2048, MultipleOf = 16 };

    private static ParameterSpec Sampler() =>
        new("sampler_name", ParameterKind.Enum, "ComfyUI sampler.")
        { Default = "euler", Values = SamplerNames.Samplers, Aliases = SamplerNames.SamplerAliases };

    private static ParameterSpec Scheduler(string fallback) =>
        new("scheduler", ParameterKind.Enum, "ComfyUI scheduler.") { Default = fallback, Values = SamplerNames.Schedulers };

    private static ParameterSpec Ratio(IReadOnlyList<string> values, string fallback) =>
        new("aspect_ratio", ParameterKind.Enum, "Aspect ratio; about one megapixel with sides multiples of 64.")
        { Default = fallback, Values = values };

    private static ParameterSpec Base64() =>
        new("base64", ParameterKind.Boolean, "v1: answer JSON with base64 images instead of the image bytes.") { Default = false };

    private static ParameterSpec Webhook() =>
        new("webhook_url", ParameterKind.Url, "v2: URL that receives a signed POST with the result when the job ends.");
}
