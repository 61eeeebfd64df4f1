using System.Text.Json;
using FluxServe.Pipelines.Text;

namespace FluxServe.Pipelines.Tests.Text;

/// <summary>The T5 charsmap lookups the spec lists as verified (text-encoders §2.3).</summary>
public sealed class PrecompiledCharsMapTests
{
    private static readonly Lazy<PrecompiledCharsMap> Map = new(() =>
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TokenizerTestData.TokenizersRoot, "t5", "tokenizer.json")));
        var precompiled = document.RootElement.GetProperty("normalizer").GetProperty("normalizers").EnumerateArray()
            .Single(n => n.GetProperty("type").GetString() == "Precompiled");
        return PrecompiledCharsMap.FromBase64(precompiled.GetProperty("precompiled_charsmap").GetString()!);
    });

    [Fact]
    public void Blob_layout()
    {
        Assert.Equal(177_152, Map.Value.TrieBytes);
        Assert.Equal(60_383, Map.Value.StringBytes);
    }

    [Theory]
    [InlineData("\n", " ")]
    [InlineData("\t", " ")]
    [InlineData("\r", " ")]
    [InlineData("\u00A0", " ")]
    [InlineData("\u3000", " ")]
    [InlineData("\u200B", " ")]
    [InlineData("\u007F", "")]
    [InlineData("Ａ", "A")]
    [InlineData("ﬁ", "fi")]
    [InlineData("…", "...")]
    [InlineData("½", "1⁄2")]
    [InlineData("①", "1")]
    [InlineData("e\u0301", "é")]
    [InlineData("é", "é")]
    [InlineData("’", "’")]
    [InlineData("a", "a")]
    [InlineData(" ", " ")]
    [InlineData("\r\n", " ")]                 // one grapheme cluster: the shortest matching prefix replaces it all
    [InlineData("a\r\nb\tc", "a b c")]
    [InlineData("x\u0000y", "x\u0000y")]     // the lookup stops at NUL: kept
    public void Normalizes_like_the_spec_lists(string input, string expected)
    {
        var buffer = new PooledBuffer<char>(8);
        try
        {
            Map.Value.Normalize(input, ref buffer);
            Assert.Equal(expected, new string(buffer.Span));
        }
        finally
        {
            buffer.Dispose();
        }
    }

    [Fact]
    public void Malformed_blobs_are_refused()
    {
        Assert.Throws<InvalidDataException>(() => PrecompiledCharsMap.FromBytes([1, 0]));
        Assert.Throws<InvalidDataException>(() => PrecompiledCharsMap.FromBytes([0xFF, 0xFF, 0, 0, 1, 2, 3, 4]));
    }
}
