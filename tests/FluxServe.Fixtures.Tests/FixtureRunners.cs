using FluxServe.Fixtures.Tests.Harness;
using FluxServe.Fixtures.Tests.Runners;

namespace FluxServe.Fixtures.Tests;

/// <summary>
/// The one place that maps fixture folder names to runners. A folder whose runner is a
/// <see cref="PendingFixtureRunner"/> is skipped with its reason; an unknown folder is skipped with
/// "no runner for fixture '&lt;name&gt;'". Implementing a fixture = replacing its pending entry (README.md).
/// </summary>
public static class FixtureRunners
{
    private static readonly Dictionary<string, IFixtureRunner> s_runners = new(StringComparer.Ordinal)
    {
        ["torch-randn"] = new TorchRandnRunner(),

        ["tokenizer-clip"] = new TokenizerClipRunner(),
        ["tokenizer-t5"] = new TokenizerT5Runner(),
        ["clip-text-tiny"] = new ClipTextRunner(),
        ["t5-tiny"] = new T5EncoderRunner(),
        ["flux-tiny-schnell"] = new FluxTransformerRunner(),
        ["flux-tiny-dev"] = new FluxTransformerRunner(),
        ["ae-tiny"] = new AutoEncoderRunner(),
        ["ae-tiny-f8"] = new AutoEncoderRunner(),
        ["redux-tiny"] = new ReduxRunner(),
        ["lora-tiny"] = new LoraRunner(),
        ["schedulers"] = new SchedulersRunner(),
        ["samplers"] = new SamplersRunner(),
        ["pipeline-tiny-schnell"] = new TextToImagePipelineRunner(),
        ["pipeline-tiny-dev"] = new TextToImagePipelineRunner(),
        ["pipeline-tiny-redux-schnell"] = new ReduxPipelineRunner(),
    };

    /// <summary>The folder names that have an entry (runner or pending).</summary>
    public static IReadOnlyCollection<string> RegisteredFixtures => s_runners.Keys;

    /// <summary>The runner of folder <paramref name="fixture"/>, or null.</summary>
    public static IFixtureRunner? For(string fixture) => s_runners.GetValueOrDefault(fixture);

    /// <summary>Why the case is skipped, or null when it runs.</summary>
    public static string? SkipReason(string fixture, string caseName)
    {
        var runner = For(fixture);
        if (runner is null)
        {
            return $"no runner for fixture '{fixture}'";
        }

        FixtureCase fixtureCase;
        try
        {
            fixtureCase = FixtureFolder.Named(fixture).Case(caseName);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or KeyNotFoundException or System.Text.Json.JsonException)
        {
            return null; // not skipped: running it reports the error
        }

        return runner.SkipReason(fixtureCase);
    }

    /// <summary>Runs one case (the body of every fixture test).</summary>
    public static void Run(string fixture, string caseName)
    {
        var runner = For(fixture) ?? throw new InvalidOperationException($"no runner for fixture '{fixture}'");
        runner.Run(FixtureFolder.Named(fixture).Case(caseName));
    }
}
