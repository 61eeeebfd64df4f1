using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using FluxServe.Engine.Safetensors;
using FluxServe.Pipelines.Text;

namespace FluxServe.Pipelines.Tests.Text;

/// <summary>
/// Where the tokenizer data, the <c>tokenizer-clip</c> / <c>tokenizer-t5</c> fixtures and this folder's test vectors
/// live, and readers for them. Fixtures: <c>$FLUXSERVE_FIXTURES</c>, else <c>../shared/fixtures</c> beside the
/// repository; tokenizer files: <c>$FLUXSERVE_TOKENIZERS</c>, else <c>tokenizers/</c> beside the fixtures folder.
/// </summary>
internal static class TokenizerTestData
{
    private static readonly Lazy<ClipBpeTokenizer> LazyClip = new(() => ClipBpeTokenizer.FromFolder(Path.Combine(TokenizersRoot, "clip-l")));
    private static readonly Lazy<T5UnigramTokenizer> LazyT5 = new(() => T5UnigramTokenizer.FromFolder(Path.Combine(TokenizersRoot, "t5")));

    public static ClipBpeTokenizer Clip => LazyClip.Value;

    public static ClipBpeTokenizer ClipComfyUi => Clip.WithNormalization(ClipTextNormalization.ComfyUi);

    public static T5UnigramTokenizer T5 => LazyT5.Value;

    public static string DataFolder => Path.Combine(SourceFolder(), "Data");

    public static string RepositoryRoot => Path.GetFullPath(Path.Combine(SourceFolder(), "..", "..", ".."));

    public static string FixturesRoot
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("FLUXSERVE_FIXTURES");
            return Path.GetFullPath(!string.IsNullOrEmpty(env) ? env : Path.Combine(RepositoryRoot, "..", "shared", "fixtures"));
        }
    }

    public static string TokenizersRoot
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("FLUXSERVE_TOKENIZERS");
            return Path.GetFullPath(!string.IsNullOrEmpty(env) ? env : Path.Combine(FixturesRoot, "..", "tokenizers"));
        }
    }

    /// <summary>Every case name of a fixture's cases.json, in order.</summary>
    public static TheoryData<string> CaseNames(string fixture)
    {
        var names = new TheoryData<string>();
        foreach (var c in Cases(fixture))
        {
            names.Add(c.Name);
        }

        return names;
    }

    public static IReadOnlyList<TokenizerCase> Cases(string fixture)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(FixturesRoot, fixture, "cases.json")));
        var cases = new List<TokenizerCase>();
        foreach (var c in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            var arguments = c.GetProperty("arguments");
            var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var output in c.GetProperty("outputs").EnumerateObject())
            {
                outputs[output.Name] = output.Value.GetString()!;
            }

            var tokens = c.TryGetProperty("tokens", out var t) ? t.EnumerateArray().Select(e => e.GetString()!).ToArray() : [];
            var maxLength = arguments.TryGetProperty("max_length", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() : (int?)null;
            cases.Add(new TokenizerCase(c.GetProperty("name").GetString()!, arguments.GetProperty("text").GetString()!, maxLength, outputs, tokens));
        }

        return cases;
    }

    public static TokenizerCase Case(string fixture, string name) => Cases(fixture).Single(c => c.Name == name);

    /// <summary>An I64 id tensor of a fixture's cases.safetensors, as ints.</summary>
    public static int[] ReadIds(string fixture, string tensor)
    {
        using var file = SafetensorsFile.Open(Path.Combine(FixturesRoot, fixture, "cases.safetensors"));
        var entry = file.GetEntry(tensor);
        Assert.Equal("I64", entry.StoredDType);
        return MemoryMarshal.Cast<byte, long>(file.GetBytes(tensor)).ToArray().Select(v => checked((int)v)).ToArray();
    }

    /// <summary>Lines of a JSON-lines vector file: {"text": ..., "ids": [...]}.</summary>
    public static IEnumerable<(string Text, int[] Ids)> JsonLines(string file)
    {
        foreach (var line in File.ReadLines(Path.Combine(DataFolder, file)))
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            yield return (root.GetProperty("text").GetString()!, root.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        }
    }

    /// <summary>Lines of a "hex code points TAB hex code points" vector file.</summary>
    public static IEnumerable<(string Input, string Expected)> CodePointPairs(string file)
    {
        foreach (var line in File.ReadLines(Path.Combine(DataFolder, file)))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            yield return (FromHex(line[..tab]), FromHex(line[(tab + 1)..]));
        }
    }

    private static string FromHex(string hex) =>
        string.Concat(hex.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(h => char.ConvertFromUtf32(int.Parse(h, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture))));

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}

/// <summary>One case of a tokenizer fixture.</summary>
internal sealed record TokenizerCase(string Name, string Text, int? MaxLength, IReadOnlyDictionary<string, string> Outputs, string[] Tokens);
