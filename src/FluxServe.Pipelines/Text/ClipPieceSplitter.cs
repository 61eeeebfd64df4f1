using System.Globalization;
using System.Text;

namespace FluxServe.Pipelines.Text;

/// <summary>
/// CLIP's pre-tokenizer split, written out instead of run through a regex engine: the matches of
/// <c>'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>, left to right, with the text between them
/// (whitespace) dropped (spec text-encoders §1.2 step 2; HF <c>Split(..., behavior=removed, invert=True)</c>).
/// A letter run is one piece, every number character is its own piece, and a run of other non-space characters
/// is one piece (it may swallow an apostrophe: "!'s" gives "!'" and "s").
/// </summary>
/// <remarks>
/// The slow HF tokenizer (ComfyUI) runs <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|</c> + the same pattern with
/// Python <c>regex</c> and IGNORECASE: the two literals are pieces of their own, and U+0345 (which case-folds to a
/// letter but is not one) matches no alternative and is dropped like whitespace. <c>slowTokenizer</c> selects that.
/// </remarks>
internal static class ClipPieceSplitter
{
    private enum CharClass : byte
    {
        Other,
        Letter,
        Number,
        Space,
    }

    private const char YpogegrammeniCombining = '\u0345';
    private const string StartOfText = "<|startoftext|>";
    private const string EndOfText = "<|endoftext|>";

    private static readonly CharClass[] AsciiClasses = BuildAscii();

    /// <summary>Finds the next piece at or after <paramref name="position"/>; false at the end of the text.</summary>
    public static bool Next(ReadOnlySpan<char> text, ref int position, out int start, out int length, bool slowTokenizer = false)
    {
        var pos = position;
        // Skip what no alternative matches: whitespace.
        while (pos < text.Length)
        {
            var cls = Classify(text, pos, out var width);
            if (cls != CharClass.Space && !(slowTokenizer && text[pos] == YpogegrammeniCombining))
            {
                break;
            }

            pos += width;
        }

        start = pos;
        if (pos >= text.Length)
        {
            position = pos;
            length = 0;
            return false;
        }

        var contraction = slowTokenizer ? SpecialLiteralLength(text[pos..]) : 0;
        if (contraction == 0)
        {
            contraction = ContractionLength(text[pos..]);
        }

        if (contraction > 0)
        {
            length = contraction;
            position = pos + contraction;
            return true;
        }

        var first = Classify(text, pos, out var firstWidth);
        pos += firstWidth;
        if (first == CharClass.Letter || first == CharClass.Other)
        {
            // [\p{L}]+ or [^\s\p{L}\p{N}]+: greedy run of the same class.
            while (pos < text.Length)
            {
                var cls = Classify(text, pos, out var width);
                if (cls != first || (slowTokenizer && text[pos] == YpogegrammeniCombining))
                {
                    break;
                }

                pos += width;
            }
        }

        length = pos - start;
        position = pos;
        return true;
    }

    /// <summary>The literal <c>&lt;|startoftext|&gt;</c> or <c>&lt;|endoftext|&gt;</c>.</summary>
    public static bool IsSpecialLiteral(ReadOnlySpan<char> piece) =>
        piece.SequenceEqual(StartOfText) || piece.SequenceEqual(EndOfText);

    private static int SpecialLiteralLength(ReadOnlySpan<char> rest) =>
        rest.StartsWith(StartOfText, StringComparison.Ordinal) ? StartOfText.Length
        : rest.StartsWith(EndOfText, StringComparison.Ordinal) ? EndOfText.Length
        : 0;

    /// <summary>Length of <c>'s|'t|'re|'ve|'m|'ll|'d</c> at the start of <paramref name="rest"/>, or 0.</summary>
    private static int ContractionLength(ReadOnlySpan<char> rest)
    {
        if (rest.Length < 2 || rest[0] != '\'')
        {
            return 0;
        }

        switch (rest[1])
        {
            case 's' or 't' or 'm' or 'd':
                return 2;
            case 'r' or 'v' when rest.Length > 2 && rest[2] == 'e':
                return 3;
            case 'l' when rest.Length > 2 && rest[2] == 'l':
                return 3;
            default:
                return 0;
        }
    }

    private static CharClass Classify(ReadOnlySpan<char> text, int index, out int width)
    {
        var c = text[index];
        if (c < 0x80)
        {
            width = 1;
            return AsciiClasses[c];
        }

        Rune.DecodeFromUtf16(text[index..], out var rune, out width);
        if (Rune.IsWhiteSpace(rune))
        {
            return CharClass.Space;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharClass.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharClass.Number,
            _ => CharClass.Other,
        };
    }

    private static CharClass[] BuildAscii()
    {
        var table = new CharClass[128];
        for (var c = 0; c < 128; c++)
        {
            table[c] = char.IsWhiteSpace((char)c) ? CharClass.Space
                : char.IsAsciiLetter((char)c) ? CharClass.Letter
                : char.IsAsciiDigit((char)c) ? CharClass.Number
                : CharClass.Other;
        }

        return table;
    }
}
