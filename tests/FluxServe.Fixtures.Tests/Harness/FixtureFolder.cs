using System.Collections.Concurrent;
using System.Text.Json;
using FluxServe.Engine.Safetensors;

namespace FluxServe.Fixtures.Tests.Harness;

/// <summary>
/// One fixture folder: its <c>cases.json</c> (parsed once per process), optional <c>config.json</c>, and its tensor
/// file (<c>cases.safetensors</c> unless <c>tensor_file</c> says otherwise), memory-mapped on first use and kept open
/// for the rest of the test run.
/// </summary>
public sealed class FixtureFolder
{
    private static readonly ConcurrentDictionary<string, Lazy<FixtureFolder>> s_loaded = new(StringComparer.Ordinal);

    private readonly Lazy<SafetensorsFile> _tensors;
    private readonly Dictionary<string, FixtureCase> _byName = new(StringComparer.Ordinal);

    private FixtureFolder(string path)
    {
        Path = path;
        Name = System.IO.Path.GetFileName(path);
        string casesPath = System.IO.Path.Combine(path, "cases.json");
        if (!File.Exists(casesPath))
        {
            throw new FileNotFoundException($"Fixture folder '{Name}' has no cases.json ({casesPath}).", casesPath);
        }

        using (var document = JsonDocument.Parse(File.ReadAllText(casesPath), new JsonDocumentOptions { AllowTrailingCommas = true }))
        {
            Json = document.RootElement.Clone();
        }

        if (!Json.TryGetProperty("cases", out var cases) || cases.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{casesPath} has no \"cases\" array.");
        }

        var list = new List<FixtureCase>();
        foreach (var element in cases.EnumerateArray())
        {
            string baseName = element.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                ? n.GetString()!
                : $"case{list.Count}";
            string name = baseName;
            for (int k = 2; _byName.ContainsKey(name); k++)
            {
                name = $"{baseName}#{k}"; // keeps test ids unique if a cases.json repeats a name
            }

            var fixtureCase = new FixtureCase(this, name, element);
            list.Add(fixtureCase);
            _byName.Add(name, fixtureCase);
        }

        Cases = list;
        string configPath = System.IO.Path.Combine(path, "config.json");
        if (File.Exists(configPath))
        {
            using var config = JsonDocument.Parse(File.ReadAllText(configPath));
            Config = config.RootElement.Clone();
        }

        string tensorFile = Json.TryGetProperty("tensor_file", out var tf) && tf.ValueKind == JsonValueKind.String
            ? tf.GetString()!
            : "cases.safetensors";
        _tensors = new Lazy<SafetensorsFile>(() => SafetensorsFile.Open(ResolvePath(tensorFile)), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The folder name (e.g. <c>torch-randn</c>): what selects the runner.</summary>
    public string Name { get; }

    /// <summary>Full path of the folder.</summary>
    public string Path { get; }

    /// <summary>The whole <c>cases.json</c>.</summary>
    public JsonElement Json { get; }

    /// <summary><c>config.json</c>, or an undefined element when the folder has none.</summary>
    public JsonElement Config { get; }

    /// <summary>The cases in file order.</summary>
    public IReadOnlyList<FixtureCase> Cases { get; }

    /// <summary>The folder's tensor file (all inputs, expected outputs and intermediates).</summary>
    public SafetensorsFile Tensors => _tensors.Value;

    /// <summary>The folder at <paramref name="path"/>, loaded once per process.</summary>
    public static FixtureFolder Load(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        return s_loaded.GetOrAdd(full, p => new Lazy<FixtureFolder>(() => new FixtureFolder(p))).Value;
    }

    /// <summary>The folder <paramref name="name"/> under <see cref="FixturesRoot.Path"/>.</summary>
    public static FixtureFolder Named(string name) => Load(System.IO.Path.Combine(FixturesRoot.Path, name));

    /// <summary>The case <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such case.</exception>
    public FixtureCase Case(string name) => _byName.TryGetValue(name, out var c)
        ? c
        : throw new KeyNotFoundException($"Fixture '{Name}' has no case '{name}'.");

    /// <summary>A path relative to this folder (weights, LoRA files, <c>../flux-tiny-*/model.safetensors</c>).</summary>
    public string ResolvePath(string relative) => System.IO.Path.GetFullPath(System.IO.Path.Combine(Path, relative));
}
