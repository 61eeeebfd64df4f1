using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace FluxServe.Pipelines.Text.Unicode;

/// <summary>
/// Unicode Normalization Form C (UAX #15) from our own tables (<see cref="UnicodeTables"/>), because
/// <see cref="string.Normalize()"/> does nothing under InvariantGlobalization. Canonical decomposition, canonical
/// ordering, then canonical composition, following the sample algorithm of UAX #15.
/// </summary>
internal static class CanonicalComposition
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    /// <summary>True when no character can change under NFC: every character is below U+0300.</summary>
    /// <remarks>Searched as ushort: the char overload allocates in unoptimised (Debug) code.</remarks>
    public static bool IsTriviallyComposed(ReadOnlySpan<char> text) =>
        MemoryMarshal.Cast<char, ushort>(text).IndexOfAnyInRange((ushort)0x300, ushort.MaxValue) < 0;

    /// <summary>Returns the NFC form of <paramref name="text"/> as a new string (or the input when unchanged).</summary>
    public static string Compose(string text)
    {
        if (IsTriviallyComposed(text))
        {
            return text;
        }

        var buffer = new PooledBuffer<char>(text.Length + 8);
        try
        {
            Compose(text, ref buffer);
            return buffer.Span.SequenceEqual(text) ? text : new string(buffer.Span);
        }
        finally
        {
            buffer.Dispose();
        }
    }

    /// <summary>Appends the NFC form of <paramref name="text"/> to <paramref name="destination"/>. Lone surrogates
    /// become U+FFFD.</summary>
    /// <remarks>
    /// Characters below U+0300 are starters that nothing composes onto and that never compose with what precedes
    /// them, so the text splits before each of them into independent parts: only the short stretches around
    /// characters from U+0300 up (with the character just before, which may compose with them) go through the full
    /// algorithm; the rest is copied.
    /// </remarks>
    public static void Compose(ReadOnlySpan<char> text, ref PooledBuffer<char> destination)
    {
        var position = 0;
        while (position < text.Length)
        {
            var rest = MemoryMarshal.Cast<char, ushort>(text[position..]);
            var high = rest.IndexOfAnyInRange((ushort)0x300, ushort.MaxValue);
            if (high < 0)
            {
                destination.AddRange(text[position..]);
                return;
            }

            high += position;
            var start = high > position ? high - 1 : high;
            destination.AddRange(text[position..start]);
            var low = MemoryMarshal.Cast<char, ushort>(text[high..]).IndexOfAnyInRange((ushort)0, (ushort)0x2FF);
            var end = low < 0 ? text.Length : high + low;
            ComposeStretch(text[start..end], ref destination);
            position = end;
        }
    }

    /// <summary>Decomposition, canonical ordering and composition of one stretch of text.</summary>
    private static void ComposeStretch(ReadOnlySpan<char> text, ref PooledBuffer<char> destination)
    {
        var cps = new PooledBuffer<int>(text.Length + 8);
        var classes = new PooledBuffer<byte>(text.Length + 8);
        try
        {
            Decompose(text, ref cps);
            var codePoints = cps.Span;
            var ccc = classes.AppendSpan(codePoints.Length);
            for (var i = 0; i < codePoints.Length; i++)
            {
                ccc[i] = CombiningClass(codePoints[i]);
            }

            Reorder(codePoints, ccc);
            var length = ComposeInPlace(codePoints, ccc);
            Span<char> pair = stackalloc char[2];
            for (var i = 0; i < length; i++)
            {
                var n = new Rune(codePoints[i]).EncodeToUtf16(pair);
                destination.AddRange(pair[..n]);
            }
        }
        finally
        {
            classes.Dispose();
            cps.Dispose();
        }
    }

    /// <summary>Canonical combining class of a code point (0 for starters).</summary>
    public static byte CombiningClass(int cp)
    {
        if (cp < 0x300)
        {
            return 0;
        }

        ReadOnlySpan<int> table = UnicodeTables.CombiningClasses;
        int lo = 0, hi = table.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var key = table[mid] >> 8;
            if (key == cp)
            {
                return (byte)(table[mid] & 0xFF);
            }

            if (key < cp)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return 0;
    }

    private static void Decompose(ReadOnlySpan<char> text, ref PooledBuffer<int> output)
    {
        ReadOnlySpan<int> keys = UnicodeTables.DecompositionKeys;
        ReadOnlySpan<int> pool = UnicodeTables.DecompositionPool;
        ReadOnlySpan<int> index = UnicodeTables.DecompositionIndex;
        for (var i = 0; i < text.Length;)
        {
            Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed);
            i += consumed;
            var cp = rune.Value;
            if (cp < 0xC0)
            {
                output.Add(cp);
                continue;
            }

            var s = cp - SBase;
            if ((uint)s < SCount)
            {
                output.Add(LBase + s / NCount);
                output.Add(VBase + s % NCount / TCount);
                if (s % TCount != 0)
                {
                    output.Add(TBase + s % TCount);
                }

                continue;
            }

            var at = IndexOf(keys, cp);
            if (at < 0)
            {
                output.Add(cp);
                continue;
            }

            output.AddRange(pool.Slice(index[at] >> 3, index[at] & 7));
        }
    }

    /// <summary>Canonical ordering: a stable sort of every run of non-starters by combining class.</summary>
    private static void Reorder(Span<int> cps, Span<byte> ccc)
    {
        for (var i = 1; i < cps.Length; i++)
        {
            var c = ccc[i];
            if (c == 0 || ccc[i - 1] <= c)
            {
                continue;
            }

            var cp = cps[i];
            var j = i;
            while (j > 0 && ccc[j - 1] > c)
            {
                cps[j] = cps[j - 1];
                ccc[j] = ccc[j - 1];
                j--;
            }

            cps[j] = cp;
            ccc[j] = c;
        }
    }

    private static int ComposeInPlace(Span<int> cps, Span<byte> ccc)
    {
        if (cps.Length == 0)
        {
            return 0;
        }

        var starterPos = 0;
        var starter = cps[0];
        // A leading non-starter can never compose with what follows (UAX #15 sample: class 256).
        var lastClass = ccc[0] == 0 ? 0 : 256;
        var write = 1;
        for (var read = 1; read < cps.Length; read++)
        {
            var ch = cps[read];
            int chClass = ccc[read];
            var composite = lastClass < chClass || lastClass == 0 ? Pair(starter, ch) : -1;
            if (composite >= 0)
            {
                cps[starterPos] = composite;
                starter = composite;
                continue;
            }

            if (chClass == 0)
            {
                starterPos = write;
                starter = ch;
            }

            lastClass = chClass;
            ccc[write] = (byte)chClass;
            cps[write++] = ch;
        }

        return write;
    }

    /// <summary>The primary composite of (first, second), or -1.</summary>
    private static int Pair(int first, int second)
    {
        var l = first - LBase;
        if ((uint)l < LCount)
        {
            var v = second - VBase;
            return (uint)v < VCount ? SBase + (l * VCount + v) * TCount : -1;
        }

        var s = first - SBase;
        if ((uint)s < SCount && s % TCount == 0)
        {
            var t = second - TBase;
            return t > 0 && t < TCount ? first + t : -1;
        }

        var at = IndexOf(UnicodeTables.CompositionKeys, ((long)first << 21) | (uint)second);
        return at >= 0 ? UnicodeTables.CompositionValues[at] : -1;
    }

    /// <summary>Binary search (MemoryExtensions.BinarySearch boxes its key through IComparable in Debug code).</summary>
    private static int IndexOf<T>(ReadOnlySpan<T> sorted, T key)
        where T : struct, IComparisonOperators<T, T, bool>
    {
        int lo = 0, hi = sorted.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var value = sorted[mid];
            if (value == key)
            {
                return mid;
            }

            if (value < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }
}
