using System.Globalization;
using System.Text;
using FluxServe.Pipelines.Text.Unicode;

namespace FluxServe.Pipelines.Text;

/// <summary>The two CLIP text clean-ups that <see cref="ClipTextNormalization"/> chooses between.</summary>
internal static class ClipTextNormalizer
{
    /// <summary>
    /// HF <c>CLIPTokenizerFast</c> (transformers' CLIPConverter): NFC, every run of whitespace → one space, then
    /// Rust per-code-point lower-casing. Leading/trailing spaces stay (the piece splitter drops them).
    /// </summary>
    public static void NormalizeFast(ReadOnlySpan<char> text, ref PooledBuffer<char> destination)
    {
        var composed = new PooledBuffer<char>(text.Length + 8);
        try
        {
            CanonicalComposition.Compose(text, ref composed);
            var source = composed.Span;
            var runStart = 0;
            for (var i = 0; i < source.Length; i++)
            {
                // Every White_Space character is in the BMP, so a char test is a code-point test.
                if (!char.IsWhiteSpace(source[i]))
                {
                    continue;
                }

                PythonCasing.AppendRustLower(source[runStart..i], ref destination);
                destination.Add(' ');
                while (i + 1 < source.Length && char.IsWhiteSpace(source[i + 1]))
                {
                    i++;
                }

                runStart = i + 1;
            }

            PythonCasing.AppendRustLower(source[runStart..], ref destination);
        }
        finally
        {
            composed.Dispose();
        }
    }

    /// <summary>
    /// HF slow <c>CLIPTokenizer</c> without ftfy, i.e. its <c>BasicTokenizer(strip_accents=False,
    /// do_split_on_punc=False)</c>, which is what ComfyUI runs (spec text-encoders §1.2 step 1): drop U+0000, U+FFFD
    /// and control/format/unassigned characters (tab, LF, CR are whitespace), whitespace → space, spaces around CJK
    /// ideographs, NFC, split on whitespace, Python <c>str.lower()</c> per word, join with single spaces.
    /// </summary>
    public static void NormalizeBasic(ReadOnlySpan<char> text, ref PooledBuffer<char> destination)
    {
        var cleaned = new PooledBuffer<char>(text.Length + 8);
        var composed = new PooledBuffer<char>(text.Length + 8);
        try
        {
            for (var i = 0; i < text.Length;)
            {
                Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed);
                i += consumed;
                var cp = rune.Value;
                if (cp is 0 or 0xFFFD || IsBasicControl(rune))
                {
                    continue;
                }

                if (IsBasicWhitespace(rune))
                {
                    cleaned.Add(' ');
                }
                else if (IsCjkIdeograph(cp))
                {
                    cleaned.Add(' ');
                    cleaned.AddRange(text.Slice(i - consumed, consumed));
                    cleaned.Add(' ');
                }
                else
                {
                    cleaned.AddRange(text.Slice(i - consumed, consumed));
                }
            }

            CanonicalComposition.Compose(cleaned.Span, ref composed);
            var source = composed.Span;
            var first = true;
            for (var i = 0; i < source.Length;)
            {
                while (i < source.Length && char.IsWhiteSpace(source[i]))
                {
                    i++;
                }

                var start = i;
                while (i < source.Length && !char.IsWhiteSpace(source[i]))
                {
                    i++;
                }

                if (i > start)
                {
                    if (!first)
                    {
                        destination.Add(' ');
                    }

                    PythonCasing.AppendPythonLower(source[start..i], ref destination);
                    first = false;
                }
            }
        }
        finally
        {
            composed.Dispose();
            cleaned.Dispose();
        }
    }

    /// <summary>transformers' <c>_is_control</c>: categories C* except tab, newline and carriage return.</summary>
    private static bool IsBasicControl(Rune rune)
    {
        if (rune.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    /// <summary>transformers' <c>_is_whitespace</c>: space, tab, newline, carriage return, or category Zs.</summary>
    private static bool IsBasicWhitespace(Rune rune) =>
        rune.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator;

    /// <summary>transformers' <c>_is_chinese_char</c> blocks (spec text-encoders §1.2 step 1).</summary>
    private static bool IsCjkIdeograph(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
            or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF
            or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
