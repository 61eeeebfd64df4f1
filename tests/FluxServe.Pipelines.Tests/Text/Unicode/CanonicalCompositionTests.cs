using FluxServe.Pipelines.Text;
using FluxServe.Pipelines.Text.Unicode;

namespace FluxServe.Pipelines.Tests.Text.Unicode;

/// <summary>NFC against Python's unicodedata (Data/nfc-vectors.txt: every canonically decomposable code point, its
/// NFD form, every non-starter, and random mixes of marks, jamo and starters).</summary>
public sealed class CanonicalCompositionTests
{
    [Fact]
    public void Matches_python_unicodedata()
    {
        var failures = new List<string>();
        var count = 0;
        foreach (var (input, expected) in TokenizerTestData.CodePointPairs("nfc-vectors.txt"))
        {
            count++;
            var actual = CanonicalComposition.Compose(input);
            if (actual != expected)
            {
                failures.Add($"{Hex(input)} → {Hex(actual)}, expected {Hex(expected)}");
            }
        }

        Assert.True(count > 5000, $"only {count} vectors");
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(20)));
    }

    [Fact]
    public void Trivial_text_is_returned_as_is()
    {
        const string text = "plain ASCII and Latin-1 ÿé";
        Assert.Same(text, CanonicalComposition.Compose(text));
        Assert.Equal("\u00E9", CanonicalComposition.Compose("e\u0301"));
        Assert.Equal("\uAC01", CanonicalComposition.Compose("\u1100\u1161\u11A8"));
        Assert.Equal("\u1E69", CanonicalComposition.Compose("s\u0307\u0323"));   // reordered, then composed
        Assert.Equal("\uFFFDa", CanonicalComposition.Compose("\uD800a\u0300")[..1] + "a");
    }

    [Fact]
    public void Appends_to_a_buffer()
    {
        var buffer = new PooledBuffer<char>(4);
        try
        {
            buffer.AddRange("x");
            CanonicalComposition.Compose("A\u030A" + new string('b', 100), ref buffer);
            Assert.Equal("x\u00C5" + new string('b', 100), new string(buffer.Span));
        }
        finally
        {
            buffer.Dispose();
        }
    }

    private static string Hex(string s) => string.Join(' ', s.EnumerateRunes().Select(r => r.Value.ToString("X4", System.Globalization.CultureInfo.InvariantCulture)));
}
