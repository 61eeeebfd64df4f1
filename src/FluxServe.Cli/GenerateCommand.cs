using System.Diagnostics;
using System.Globalization;
using FluxServe.Engine.Safetensors;
using FluxServe.Pipelines.Imaging;
using FluxServe.Pipelines.Registry;
using FluxServe.Pipelines.TextToImage;

namespace FluxServe.Cli;

/// <summary>
/// <c>fluxserve generate</c>: one text-to-image run on the CPU from a model folder or file, with a progress bar, written
/// as JPEG, PNG or WebP by the output's extension.
/// </summary>
internal static class GenerateCommand
{
    public const string Usage = """
          generate --model PATH --prompt TEXT [-o out.jpg]  generate an image (model: a diffusers folder, a folder of
                   [--seed N] [--steps N] [--width N]         ComfyUI-style files, one of them, or an all-in-one file)
                   [--height N] [--sampler NAME] [--scheduler NAME] [--samples N] [--denoise X] [--guidance X]
                   [--cfg X] [--quality N] [--prompt-embeddings FILE (tensors 't5' [1,L,C] and 'clip_pooled' [1,V])]
        """;

    private static readonly HashSet<string> s_known =
    [
        "model", "prompt", "output", "seed", "steps", "width", "height", "sampler", "scheduler", "samples", "denoise",
        "guidance", "cfg", "quality", "prompt-embeddings",
    ];

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        try
        {
            return Generate(args, output, error);
        }
        catch (Exception ex) when (ex is Models.Checkpoints.CheckpointException or SafetensorsException
            or ArgumentException or ImageFormatException or IOException or UnauthorizedAccessException)
        {
            // A user's mistake (path, checkpoint, name, size): one sentence, no stack trace.
            error.WriteLine($"fluxserve generate: {ex.Message}");
            return 1;
        }
    }

    private static int Generate(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var options = CommandOptions.Parse([.. args.Select(a => a == "-o" ? "--output" : a)], s_known);
        string model = options.Get("model") ?? throw new CommandLineException("generate needs --model PATH.");
        string? embeddings = options.Get("prompt-embeddings");
        string prompt = options.Get("prompt") ?? (embeddings is null ? throw new CommandLineException("generate needs --prompt TEXT.") : string.Empty);
        string path = options.Get("output") ?? "out.jpg";
        var format = Path.GetExtension(path).ToUpperInvariant() switch
        {
            ".JPG" or ".JPEG" => ImageFormat.Jpeg,
            ".PNG" => ImageFormat.Png,
            ".WEBP" => ImageFormat.WebP,
            _ => throw new CommandLineException($"output '{path}' must end in .jpg, .png or .webp."),
        };

        var clock = Stopwatch.StartNew();
        using var flux = FluxModel.Load(model);
        bool dev = flux.Variant == "dev";
        var request = new TextToImageRequest
        {
            Prompt = prompt,
            Seed = ULong(options, "seed", 123456789),
            Steps = Int(options, "steps", dev ? 20 : 4),
            Width = Int(options, "width", 1024),
            Height = Int(options, "height", 1024),
            Sampler = options.Get("sampler") ?? "euler",
            Scheduler = options.Get("scheduler") ?? (dev ? "simple" : "normal"),
            Samples = Int(options, "samples", 1),
            Denoise = Double(options, "denoise", 1.0),
            Guidance = (float)Double(options, "guidance", 3.5),
            Cfg = Double(options, "cfg", 1.0),
        };
        error.WriteLine($"fluxserve: loaded FLUX.1-{flux.Variant} from {model} in {clock.Elapsed.TotalSeconds:F1} s");

        using var conditioning = embeddings is null ? null : ReadEmbeddings(embeddings);
        var bar = new ProgressBar(error);
        using var result = new TextToImagePipeline(flux).Generate(request, conditioning, bar, CancellationToken.None);
        bar.Finish();
        int quality = Int(options, "quality", 90);
        for (int i = 0; i < result.Images.Count; i++)
        {
            string file = result.Images.Count == 1 ? path : Path.ChangeExtension(path, null) + $"-{i}" + Path.GetExtension(path);
            File.WriteAllBytes(file, ImageEncoder.Encode(result.Images[i], format, quality));
            output.WriteLine(file);
        }

        error.WriteLine($"fluxserve: seed {result.Seed}, {result.ModelEvaluations} transformer passes, {result.Elapsed.TotalSeconds:F2} s");
        return 0;
    }

    private static FluxConditioning ReadEmbeddings(string file)
    {
        using var st = SafetensorsFile.Open(file);
        foreach (string name in new[] { "t5", "clip_pooled" })
        {
            if (!st.Contains(name))
            {
                throw new CommandLineException($"{file} has no tensor '{name}' (expected 't5' [1, L, C] and 'clip_pooled' [1, V]).");
            }
        }

        using var t5 = st.GetTensor("t5");
        using var clip = st.GetTensor("clip_pooled");
        return new FluxConditioning(t5.Cast(Engine.DType.F32), clip.Cast(Engine.DType.F32));
    }

    private static int Int(CommandOptions options, string name, int fallback) =>
        options.Get(name) is { } v ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) ? x : throw Bad(name, v) : fallback;

    private static ulong ULong(CommandOptions options, string name, ulong fallback) =>
        options.Get(name) is { } v ? ulong.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong x) ? x : throw Bad(name, v) : fallback;

    private static double Double(CommandOptions options, string name, double fallback) =>
        options.Get(name) is { } v ? double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) ? x : throw Bad(name, v) : fallback;

    private static CommandLineException Bad(string name, string value) => new($"--{name} '{value}' is not a valid number.");

    /// <summary>A one-line text progress bar on standard error, redrawn per step.</summary>
    private sealed class ProgressBar(TextWriter writer) : IProgress<GenerationProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private bool _drawn;

        public void Report(GenerationProgress value)
        {
            const int Width = 30;
            int filled = value.TotalSteps == 0 ? Width : Math.Min(Width, value.Step * Width / value.TotalSteps);
            writer.Write($"\rsampling [{new string('#', filled)}{new string('.', Width - filled)}] step {value.Step}/{value.TotalSteps}  {_clock.Elapsed.TotalSeconds:F1} s");
            writer.Flush();
            _drawn = true;
        }

        public void Finish()
        {
            if (_drawn)
            {
                writer.WriteLine();
            }
        }
    }
}
