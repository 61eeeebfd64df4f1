using System.Globalization;
using System.Text.Json;
using FluxServe.Fixtures.Tests.Harness;
using FluxServe.Pipelines.Text;
using Xunit.Sdk;

namespace FluxServe.Fixtures.Tests.Runners;

/// <summary>
/// <c>tokenizer-t5</c>: HF <c>tokenizers</c> ids of <c>arguments.text</c> with the T5 v1.1 <c>tokenizer.json</c>,
/// exactly. <c>input_ids_&lt;N&gt;</c> is BFL's fixed length N (truncated keeping the final &lt;/s&gt;, padded with
/// &lt;pad&gt;): 256 for schnell, 512 for dev; <c>input_ids_unpadded</c> the pieces and &lt;/s&gt;. Tokenizer file:
/// <c>$FLUXSERVE_TOKENIZERS/t5</c>, else <c>tokenizers/t5</c> beside the fixtures folder.
/// </summary>
public sealed class TokenizerT5Runner : IFixtureRunner
{
    private const string FixedLengthPrefix = "input_ids_";

    private static readonly Lazy<T5UnigramTokenizer> Tokenizer = new(() => T5UnigramTokenizer.FromFolder(TokenizerClipRunner.TokenizerFolder("t5")));

    /// <inheritdoc />
    public void Run(FixtureCase fixtureCase)
    {
        ArgumentNullException.ThrowIfNull(fixtureCase);
        var text = fixtureCase.Argument("text").GetString() ?? throw new XunitException($"{fixtureCase}: arguments.text is not a string.");
        if (fixtureCase.Outputs.ValueKind != JsonValueKind.Object || !fixtureCase.Outputs.EnumerateObject().Any())
        {
            throw new XunitException($"{fixtureCase}: no outputs to compare.");
        }

        foreach (var output in fixtureCase.Outputs.EnumerateObject())
        {
            int[] actual;
            if (output.Name == "input_ids_unpadded")
            {
                actual = Tokenizer.Value.EncodeUnpadded(text);
            }
            else if (output.Name.StartsWith(FixedLengthPrefix, StringComparison.Ordinal)
                     && int.TryParse(output.Name.AsSpan(FixedLengthPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                actual = Tokenizer.Value.Encode(text, new T5LengthPolicy(length, length));
            }
            else
            {
                throw new XunitException($"{fixtureCase}: output '{output.Name}' is not a known T5 tokenizer output.");
            }

            using var expected = fixtureCase.Tensor(output.Value.GetString()!);
            FixtureAssert.Equal(FixtureTensors.ToInt64s(expected), Array.ConvertAll(actual, id => (long)id), $"{fixtureCase} {output.Name}");
        }
    }
}
