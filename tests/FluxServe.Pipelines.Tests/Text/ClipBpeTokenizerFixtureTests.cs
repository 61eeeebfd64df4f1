using FluxServe.Pipelines.Text;

namespace FluxServe.Pipelines.Tests.Text;

/// <summary>Every case of the <c>tokenizer-clip</c> fixture (HF CLIPTokenizerFast ids), exactly.</summary>
public sealed class ClipBpeTokenizerFixtureTests
{
    private const string Fixture = "tokenizer-clip";

    public static TheoryData<string> CaseNames => TokenizerTestData.CaseNames(Fixture);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Every_output_of_the_case_matches_the_reference_ids(string name)
    {
        var tokenizer = TokenizerTestData.Clip;
        var c = TokenizerTestData.Case(Fixture, name);
        Assert.NotEmpty(c.Outputs);
        foreach (var (output, tensor) in c.Outputs)
        {
            var expected = TokenizerTestData.ReadIds(Fixture, tensor);
            switch (output)
            {
                case "input_ids":
                    var length = c.MaxLength ?? ClipBpeTokenizer.DefaultContextLength;
                    Assert.Equal(expected, tokenizer.Encode(c.Text, length));
                    var span = new int[length];
                    var used = tokenizer.EncodeTo(c.Text, span);
                    Assert.Equal(expected, span);
                    Assert.Equal(tokenizer.EosId, span[used - 1]);
                    Assert.All(span[used..], id => Assert.Equal(tokenizer.PadId, id));
                    break;
                case "input_ids_unpadded":
                    Assert.Equal(expected, tokenizer.EncodeUnpadded(c.Text));
                    Assert.Equal(expected[1..^1], tokenizer.EncodeContent(c.Text));
                    break;
                default:
                    Assert.Fail($"{name}: unknown output '{output}' (the test must learn it).");
                    break;
            }
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Token_strings_of_the_case_map_to_the_unpadded_ids(string name)
    {
        // The fixture's token strings looked up in vocab.json: checks the vocabulary reader against the fixture.
        var c = TokenizerTestData.Case(Fixture, name);
        var expected = TokenizerTestData.ReadIds(Fixture, c.Outputs["input_ids_unpadded"]);
        var vocabulary = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(
            File.ReadAllText(Path.Combine(TokenizerTestData.TokenizersRoot, "clip-l", "vocab.json")))!;
        Assert.Equal(expected, c.Tokens.Select(t => vocabulary[t]).ToArray());
    }
}
