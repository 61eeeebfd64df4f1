using System.Globalization;
using FluxServe.Pipelines.Text;

namespace FluxServe.Pipelines.Tests.Text;

/// <summary>Every case of the <c>tokenizer-t5</c> fixture (HF tokenizers ids; BFL 256/512 lengths), exactly.</summary>
public sealed class T5UnigramTokenizerFixtureTests
{
    private const string Fixture = "tokenizer-t5";

    public static TheoryData<string> CaseNames => TokenizerTestData.CaseNames(Fixture);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Every_output_of_the_case_matches_the_reference_ids(string name)
    {
        var tokenizer = TokenizerTestData.T5;
        var c = TokenizerTestData.Case(Fixture, name);
        Assert.NotEmpty(c.Outputs);
        foreach (var (output, tensor) in c.Outputs)
        {
            var expected = TokenizerTestData.ReadIds(Fixture, tensor);
            if (output == "input_ids_unpadded")
            {
                Assert.Equal(expected, tokenizer.EncodeUnpadded(c.Text));
                Assert.Equal(expected[..^1], tokenizer.EncodeContent(c.Text));
                Assert.Equal(tokenizer.EosId, expected[^1]);
            }
            else if (output.StartsWith("input_ids_", StringComparison.Ordinal)
                     && int.TryParse(output["input_ids_".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                // BFL: fixed length, truncation keeps the final </s>.
                Assert.Equal(expected, tokenizer.Encode(c.Text, new T5LengthPolicy(length, length)));
                var span = new int[length];
                var used = tokenizer.EncodeTo(c.Text, span);
                Assert.Equal(expected, span);
                Assert.Equal(tokenizer.EosId, span[used - 1]);
            }
            else
            {
                Assert.Fail($"{name}: unknown output '{output}' (the test must learn it).");
            }
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ComfyUi_policy_pads_to_256_and_never_truncates(string name)
    {
        var tokenizer = TokenizerTestData.T5;
        var c = TokenizerTestData.Case(Fixture, name);
        var unpadded = TokenizerTestData.ReadIds(Fixture, c.Outputs["input_ids_unpadded"]);
        var ids = tokenizer.Encode(c.Text, T5LengthPolicy.ComfyUi);
        Assert.Equal(Math.Max(256, unpadded.Length), ids.Length);
        Assert.Equal(unpadded, ids[..unpadded.Length]);
        Assert.All(ids[unpadded.Length..], id => Assert.Equal(tokenizer.PadId, id));
    }
}
