using FluxServe.Pipelines.Text;
using FluxServe.Pipelines.Text.Unicode;

namespace FluxServe.Pipelines.Tests.Text.Unicode;

public sealed class PythonCasingTests
{
    [Fact]
    public void Python_lower_matches_cpython_on_sigma_and_dotted_i_words()
    {
        var count = 0;
        foreach (var (word, expected) in TokenizerTestData.CodePointPairs("python-lower-vectors.txt"))
        {
            count++;
            Assert.Equal(expected, Lower(word, python: true));
        }

        Assert.True(count > 500);
    }

    [Fact]
    public void Rust_lower_is_per_code_point()
    {
        // Rust char::to_lowercase: no final sigma; U+0130 → "i\u0307"; otherwise the simple mapping.
        Assert.Equal("οδυσσευσ", Lower("ΟΔΥΣΣΕΥΣ", python: false));
        Assert.Equal("i\u0307stanbul", Lower("İSTANBUL", python: false));
        Assert.Equal("ǆemal ａｂｃ ⅻ ⓐ", Lower("ǅemal ＡＢＣ Ⅻ Ⓐ", python: false));
        Assert.Equal("\U00010428", Lower("\U00010400", python: false));
    }

    private static string Lower(string text, bool python)
    {
        var buffer = new PooledBuffer<char>(8);
        try
        {
            if (python)
            {
                PythonCasing.AppendPythonLower(text, ref buffer);
            }
            else
            {
                PythonCasing.AppendRustLower(text, ref buffer);
            }

            return new string(buffer.Span);
        }
        finally
        {
            buffer.Dispose();
        }
    }
}
