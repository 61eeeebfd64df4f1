using System.Text.Json;
using FluxServe.Fixtures.Tests.Harness;
using FluxServe.Pipelines.Text;
using Xunit.Sdk;

namespace FluxServe.Fixtures.Tests.Runners;

/// <summary>
/// <c>tokenizer-clip</c>: HF <c>CLIPTokenizerFast</c> ids of <c>arguments.text</c>, exactly. <c>input_ids</c> is the
/// BFL/diffusers sequence (BOS + ≤ max_length − 2 tokens + EOS, padded with EOS); <c>input_ids_unpadded</c> the whole
/// untruncated sequence. The openai/CLIP ids some cases carry in <c>alt_outputs</c> are another behaviour (ftfy +
/// html.unescape) and are not compared. Tokenizer files: <c>$FLUXSERVE_TOKENIZERS/clip-l</c>, else
/// <c>tokenizers/clip-l</c> beside the fixtures folder.
/// </summary>
public sealed class TokenizerClipRunner : IFixtureRunner
{
    private static readonly Lazy<ClipBpeTokenizer> Tokenizer = new(() => ClipBpeTokenizer.FromFolder(TokenizerFolder("clip-l")));

    /// <inheritdoc />
    public void Run(FixtureCase fixtureCase)
    {
        ArgumentNullException.ThrowIfNull(fixtureCase);
        var text = fixtureCase.Argument("text").GetString() ?? throw new XunitException($"{fixtureCase}: arguments.text is not a string.");
        var maxLength = fixtureCase.HasArgument("max_length") ? fixtureCase.Argument("max_length").GetInt32() : ClipBpeTokenizer.DefaultContextLength;
        if (fixtureCase.Outputs.ValueKind != JsonValueKind.Object || !fixtureCase.Outputs.EnumerateObject().Any())
        {
            throw new XunitException($"{fixtureCase}: no outputs to compare.");
        }

        foreach (var output in fixtureCase.Outputs.EnumerateObject())
        {
            int[] actual = output.Name switch
            {
                "input_ids" => Tokenizer.Value.Encode(text, maxLength),
                "input_ids_unpadded" => Tokenizer.Value.EncodeUnpadded(text),
                _ => throw new XunitException($"{fixtureCase}: output '{output.Name}' is not a known CLIP tokenizer output."),
            };
            using var expected = fixtureCase.Tensor(output.Value.GetString()!);
            FixtureAssert.Equal(FixtureTensors.ToInt64s(expected), Array.ConvertAll(actual, id => (long)id), $"{fixtureCase} {output.Name}");
        }
    }

    /// <summary>A folder of <c>tokenizers/</c> (the shared tokenizer data beside the fixtures).</summary>
    internal static string TokenizerFolder(string name)
    {
        var env = Environment.GetEnvironmentVariable("FLUXSERVE_TOKENIZERS");
        var root = !string.IsNullOrEmpty(env) ? env : Path.Combine(FixturesRoot.Path, "..", "tokenizers");
        return Path.GetFullPath(Path.Combine(root, name));
    }
}
