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

    public static readonly ModelEndpoint FluxReduxSchnell = new("flux-redux-schnell", "flux-redux-schnell",
        "FLUX.1 Redux on FLUX.1 [schnell]: variations of an input image (the image replaces the prompt).",
        [
            new ParameterSpec("redux_image", ParameterKind.String,
                "Input image to condition the output on: an http(s) URL, a data URI or base64 of a JPEG, PNG or WebP.") { Required = true },
            Ratio(["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"], "1:1"),
            new ParameterSpec("megapixels", ParameterKind.Enum,
                "Approximate size of the output: 1 or 0.25 megapixels at aspect_ratio, or match_input (the input's size, at most 1440x1440; aspect_ratio is then ignored).")
            { Default = "1", Values = ["1", "0.25", "match_input"] },
            Int("num_outputs", 1, 1, 4, "Images to generate from the seed; every one is returned."),
            new ParameterSpec("output_format", ParameterKind.Enum, "Encoding of the output images.") { Default = "jpg", Values = ["jpg", "png", "webp"] },
            Int("output_quality", 80, 0, 100, "Quality 0..100 of jpg and webp outputs (ignored for png)."),
            Int("num_inference_steps", 4, 1, 4, "Denoising steps; 4 is recommended."),
            Seed(null),
            new ParameterSpec("disable_safety_checker", ParameterKind.Boolean, "Return the images without running the safety checker.") { Default = false },
            Base64(),
            Webhook(),
        ])
    {
        DefaultScheduler = "simple",
        DefaultAspectRatio = "1:1",
        StepsParameter = "num_inference_steps",
        SamplesParameter = "num_outputs",
        ImageParameter = "redux_image",
    };

    /// <summary>The aspect ratios of the LoRA endpoints (their page's 13).</summary>
    public static readonly IReadOnlyList<string> LoraAspectRatios =
        ["1:1", "2:3", "3:4", "5:8", "9:16", "9:19", "9:21", "3:2", "4:3", "8:5", "16:9", "19:9", "21:9"];

    /// <summary>The parameters every LoRA endpoint takes (the page marks each required but gives defaults: they apply).</summary>
    public static readonly IReadOnlyList<ParameterSpec> LoraParameters =
    [
        Prompt(),
        Int("steps", 20, 1, 100, "Denoising steps."),
        Seed(6652105UL),
        Scheduler("simple"),
        Sampler(),
        Ratio(LoraAspectRatios, "2:3"),
        Num("lora_strength", 1.2, -10, 10, "Strength of the LoRA; negative values subtract it, 0 is the base model."),
        Num("guidance", 3.5, 0, 100, "Distilled guidance strength."),
        Base64(),
        Webhook(),
    ];

    /// <summary>The endpoints this build serves, by name (LoRA endpoints are registered at run time: <see cref="ForLora"/>).</summary>
    public static readonly FrozenDictionary<string, ModelEndpoint> Endpoints =
        new[] { FluxSchnell, FastFluxSchnell, FluxReduxSchnell, FluxDev }.ToFrozenDictionary(e => e.Name, StringComparer.Ordinal);

    /// <summary>The endpoint of a registered LoRA: <paramref name="endpointName"/> is <c>{uuid}-{name}</c>, run on FLUX.1 [dev].</summary>
    public static ModelEndpoint ForLora(string endpointName, string loraId, string? trigger)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpointName);
        ArgumentException.ThrowIfNullOrEmpty(loraId);
        string summary = "FLUX.1 [dev] with the LoRA " + endpointName
            + (string.IsNullOrEmpty(trigger) ? "." : $"; its trigger word is '{trigger}' (put it in the prompt).");
        return new ModelEndpoint(endpointName, "flux-dev", summary, LoraParameters)
        {
            AnswersJson = true,
            DefaultScheduler = "simple",
            DefaultAspectRatio = "2:3",
            LoraId = loraId,
            PriceKey = LoraPriceKey,
        };
    }

    /// <summary>The <c>Prices</c> entry every LoRA endpoint is charged by.</summary>
    public const string LoraPriceKey = "flux-dev-lora";

    /// <summary>The static endpoint called <paramref name="name"/>, or a 404 message; LoRA names are looked up by the caller.</summary>
    public static ModelLookup Find(string name)
    {
        if (Endpoints.TryGetValue(name, out var endpoint))
        {
            return new ModelLookup(endpoint, null);
        }

        if (LoraEndpointName().IsMatch(name))
        {
            return new ModelLookup(null, $"No LoRA endpoint {name} is registered on this server.");
        }

        return new ModelLookup(null, $"Unknown model {name}; this server has {string.Join(", ", Endpoints.Keys)} and the registered LoRA endpoints.");
    }

    /// <summary>Whether <paramref name="name"/> has the shape of a LoRA endpoint, <c>{uuid}-{name}</c>.</summary>
    public static bool IsLoraEndpointName(string name) => LoraEndpointName().IsMatch(name);

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
