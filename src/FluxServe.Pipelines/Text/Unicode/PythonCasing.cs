using System.Text;

namespace FluxServe.Pipelines.Text.Unicode;

/// <summary>
/// Lower-casing as two reference tokenizers do it, on top of .NET's invariant simple case mapping:
/// <list type="bullet">
/// <item>Rust <c>char::to_lowercase</c> (HF <c>tokenizers</c> Lowercase normaliser): per code point, the simple
/// mapping plus the one unconditional SpecialCasing entry, U+0130 → "i\u0307" (.NET's invariant casing leaves
/// U+0130 unchanged).</item>
/// <item>Python <c>str.lower()</c> (HF slow CLIPTokenizer, ComfyUI): the same, plus the Final_Sigma context rule for
/// U+03A3 (CPython <c>handle_capital_sigma</c>), read from the Cased / Case_Ignorable tables.</item>
/// </list>
/// </summary>
internal static class PythonCasing
{
    private const int CapitalSigma = 0x3A3, SmallSigma = 0x3C3, FinalSigma = 0x3C2, DottedCapitalI = 0x130;

    /// <summary>Appends the Rust <c>char::to_lowercase</c> of every code point of <paramref name="text"/>.</summary>
    public static void AppendRustLower(ReadOnlySpan<char> text, ref PooledBuffer<char> destination)
    {
        Span<char> pair = stackalloc char[2];
        for (var i = 0; i < text.Length;)
        {
            // Vectorised over the ASCII stretch; it stops at the first non-ASCII character.
            var target = destination.AppendSpan(text.Length - i);
            Ascii.ToLower(text[i..], target, out var written);
            destination.RemoveLast(target.Length - written);
            i += written;
            if (i == text.Length)
            {
                break;
            }

            Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed);
            i += consumed;
            AppendLower(rune, ref destination, pair);
        }
    }

    /// <summary>Appends Python's <c>str.lower()</c> of <paramref name="word"/> (Final_Sigma decided within it).</summary>
    public static void AppendPythonLower(ReadOnlySpan<char> word, ref PooledBuffer<char> destination)
    {
        Span<char> pair = stackalloc char[2];
        for (var i = 0; i < word.Length;)
        {
            Rune.DecodeFromUtf16(word[i..], out var rune, out var consumed);
            if (rune.Value == CapitalSigma)
            {
                destination.Add((char)(IsFinalSigma(word, i) ? FinalSigma : SmallSigma));
            }
            else
            {
                AppendLower(rune, ref destination, pair);
            }

            i += consumed;
        }
    }

    private static void AppendLower(Rune rune, ref PooledBuffer<char> destination, Span<char> pair)
    {
        if (rune.Value == DottedCapitalI)
        {
            destination.Add('i');
            destination.Add('\u0307');
            return;
        }

        var n = Rune.ToLowerInvariant(rune).EncodeToUtf16(pair);
        destination.AddRange(pair[..n]);
    }

    /// <summary>\p{cased} \p{case-ignorable}* U+03A3 !(\p{case-ignorable}* \p{cased}).</summary>
    private static bool IsFinalSigma(ReadOnlySpan<char> word, int sigmaIndex)
    {
        var before = -1;
        for (var j = sigmaIndex; j > 0;)
        {
            Rune.DecodeLastFromUtf16(word[..j], out var r, out var n);
            j -= n;
            if (!IsCaseIgnorable(r.Value))
            {
                before = r.Value;
                break;
            }
        }

        if (before < 0 || !IsCased(before))
        {
            return false;
        }

        for (var j = sigmaIndex + 1; j < word.Length;)
        {
            Rune.DecodeFromUtf16(word[j..], out var r, out var n);
            j += n;
            if (!IsCaseIgnorable(r.Value))
            {
                return !IsCased(r.Value);
            }
        }

        return true;
    }

    public static bool IsCased(int cp) => InRanges(UnicodeTables.CasedRanges, cp);

    public static bool IsCaseIgnorable(int cp) => InRanges(UnicodeTables.CaseIgnorableRanges, cp);

    private static bool InRanges(ReadOnlySpan<int> ranges, int cp)
    {
        int lo = 0, hi = ranges.Length / 2 - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (cp < ranges[2 * mid])
            {
                hi = mid - 1;
            }
            else if (cp > ranges[2 * mid + 1])
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }
}
