using FluxServe.Server.Generation;

namespace FluxServe.Server.Catalog;

/// <summary>A model name of the API (<c>/v1/{name}</c>, <c>/v2/{name}</c>): its parameters and how they map to a job.</summary>
public sealed class ModelEndpoint
{
    public ModelEndpoint(string name, string baseModel, string summary, IReadOnlyList<ParameterSpec> parameters)
    {
        Name = name;
        BaseModel = baseModel;
        Summary = summary;
        Parameters = parameters;
    }

    /// <summary>The name in the URL.</summary>
    public string Name { get; }

    /// <summary>The model whose generator runs the job (<c>fast-flux-schnell</c> runs on <c>flux-schnell</c>).</summary>
    public string BaseModel { get; }

    public string Summary { get; }

    public IReadOnlyList<ParameterSpec> Parameters { get; }

    /// <summary>Whether a v1 answer is always JSON (its page says "Returns: Text/JSON" and its example calls <c>.json()</c>).</summary>
    public bool AnswersJson { get; init; }

    public string DefaultSampler { get; init; } = "euler";

    public string DefaultScheduler { get; init; } = "simple";

    public double DefaultGuidance { get; init; } = 3.5;

    /// <summary>The aspect ratio used when neither <c>aspect_ratio</c> nor width/height are given; null: 1024x1024.</summary>
    public string? DefaultAspectRatio { get; init; }

    /// <summary>The parameter that holds the number of denoising steps.</summary>
    public string StepsParameter { get; init; } = "steps";

    /// <summary>The parameter that holds the number of images.</summary>
    public string SamplesParameter { get; init; } = "samples";

    /// <summary>The parameter that holds an input image (URL, data URI or base64), or null when the endpoint takes none.</summary>
    public string? ImageParameter { get; init; }

    /// <summary>The registered LoRA this endpoint runs with (LoRA endpoints only).</summary>
    public string? LoraId { get; init; }

    /// <summary>The <c>Prices</c> entry this endpoint is charged by (its name unless set).</summary>
    public string? PriceKey { get; init; }

    /// <summary>Largest side of a <c>megapixels: match_input</c> output (the page's 1440x1440 limit).</summary>
    public const int MatchInputLimit = 1440;

    /// <summary>Maps validated values to a job; <paramref name="randomSeed"/> supplies the seed when the endpoint has no default.</summary>
    /// <param name="values">The validated parameters.</param>
    /// <param name="randomSeed">Draws a seed when none was given and the endpoint has no default.</param>
    /// <param name="input">The input image's stored name and size, for endpoints with an <see cref="ImageParameter"/>.</param>
    public JobParameters ToJob(ParameterValues values, Func<ulong> randomSeed, InputImage? input = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(randomSeed);
        if (ImageParameter is not null && input is null)
        {
            throw new ArgumentException($"{Name} needs its input image ({ImageParameter}).", nameof(input));
        }

        (int width, int height) = ResolveSize(values, input);
        return new JobParameters
        {
            Prompt = values.String("prompt") ?? "",
            Width = width,
            Height = height,
            Steps = (int)values.Integer(StepsParameter, 4),
            Seed = values.Seed("seed") ?? randomSeed(),
            Sampler = values.String("sampler_name") ?? DefaultSampler,
            Scheduler = values.String("scheduler") ?? DefaultScheduler,
            Samples = (int)values.Integer(SamplesParameter, 1),
            Denoise = values.Number("denoise", 1),
            Guidance = values.Number("guidance", DefaultGuidance),
            OutputFormat = ImageFormats.FromExtension(values.String("output_format") ?? "jpg"),
            OutputQuality = (int)values.Integer("output_quality", 90),
            Base64 = values.Boolean("base64", false),
            InputImage = input?.FileName,
            LoraId = LoraId,
            LoraStrength = LoraId is null ? 0 : values.Number("lora_strength", 1.2),
            DisableSafetyChecker = values.Boolean("disable_safety_checker", false),
        };
    }

    private (int Width, int Height) ResolveSize(ParameterValues values, InputImage? input)
    {
        if (values.String("megapixels") is string megapixels)
        {
            return ResolveMegapixels(megapixels, values.String("aspect_ratio") ?? DefaultAspectRatio ?? "1:1", input);
        }

        // Explicit pixel sizes win over a ratio; a ratio (given or the endpoint's default) gives ~1 MP.
        if (values.WasGiven("width") || values.WasGiven("height") || (!values.WasGiven("aspect_ratio") && DefaultAspectRatio is null))
        {
            return ((int)values.Integer("width", 1024), (int)values.Integer("height", 1024));
        }

        return AspectRatios.Resolve(values.String("aspect_ratio") ?? DefaultAspectRatio!);
    }

    // "1": the ratio's one-megapixel size; "0.25": each side halved (a quarter of the area), kept a multiple of 16;
    // "match_input": the input's size scaled down to fit 1440x1440 when larger, each side rounded to a multiple of 16.
    private static (int Width, int Height) ResolveMegapixels(string megapixels, string ratio, InputImage? input)
    {
        switch (megapixels)
        {
            case "match_input" when input is not null:
                double scale = Math.Min(1.0, MatchInputLimit / (double)Math.Max(input.Width, input.Height));
                return (RoundTo16(input.Width * scale), RoundTo16(input.Height * scale));
            case "0.25":
                var (w, h) = AspectRatios.Resolve(ratio);
                return (RoundTo16(w / 2.0), RoundTo16(h / 2.0));
            default:
                return AspectRatios.Resolve(ratio);
        }
    }

    private static int RoundTo16(double side) => Math.Clamp((int)Math.Round(side / 16, MidpointRounding.AwayFromZero) * 16, 16, MatchInputLimit);
}
