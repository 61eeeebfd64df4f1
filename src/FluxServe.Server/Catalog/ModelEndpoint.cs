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

    /// <summary>Maps validated values to a job; <paramref name="randomSeed"/> supplies the seed when the endpoint has no default.</summary>
    public JobParameters ToJob(ParameterValues values, Func<ulong> randomSeed)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(randomSeed);
        (int width, int height) = ResolveSize(values);
        return new JobParameters
        {
            Prompt = values.String("prompt") ?? "",
            Width = width,
            Height = height,
            Steps = (int)values.Integer("steps", 4),
            Seed = values.Seed("seed") ?? randomSeed(),
            Sampler = values.String("sampler_name") ?? DefaultSampler,
            Scheduler = values.String("scheduler") ?? DefaultScheduler,
            Samples = (int)values.Integer("samples", 1),
            Denoise = values.Number("denoise", 1),
            Guidance = values.Number("guidance", DefaultGuidance),
            OutputFormat = ImageFormat.Jpeg,
            OutputQuality = 90,
            Base64 = values.Boolean("base64", false),
        };
    }

    private (int Width, int Height) ResolveSize(ParameterValues values)
    {
        // Explicit pixel sizes win over a ratio; a ratio (given or the endpoint's default) gives ~1 MP.
        if (values.WasGiven("width") || values.WasGiven("height") || (!values.WasGiven("aspect_ratio") && DefaultAspectRatio is null))
        {
            return ((int)values.Integer("width", 1024), (int)values.Integer("height", 1024));
        }

        return AspectRatios.Resolve(values.String("aspect_ratio") ?? DefaultAspectRatio!);
    }
}
