using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace FluxServe.Pipelines.Text;

/// <summary>
/// SentencePiece's precompiled character map (the nmt_nfkc normaliser of T5), as HF <c>tokenizers</c>'
/// <c>Precompiled</c> normaliser applies it (spec text-encoders §2.3). The blob is a little-endian u32 trie size,
/// a Darts double-array trie of that many bytes, then NUL-terminated UTF-8 replacement strings.
/// </summary>
/// <remarks>
/// Text is walked by extended grapheme clusters. A cluster shorter than 6 UTF-8 bytes is looked up whole; if any
/// prefix of it has an entry, the replacement of the shortest such prefix replaces the whole cluster (HF does
/// exactly this, so "\r\n" becomes one space). Otherwise each code point is replaced by its entry or kept.
/// </remarks>
internal sealed class PrecompiledCharsMap
{
    private readonly uint[] _units;
    private readonly byte[] _strings;
    private readonly string?[] _ascii = new string?[128];

    private PrecompiledCharsMap(uint[] units, byte[] strings)
    {
        _units = units;
        _strings = strings;
        Span<byte> key = stackalloc byte[1];
        for (var c = 0; c < 128; c++)
        {
            key[0] = (byte)c;
            var at = FirstMatch(key);
            _ascii[c] = at < 0 ? null : Encoding.UTF8.GetString(ReplacementBytes(at));
        }
    }

    /// <summary>Size of the double-array trie in bytes.</summary>
    public int TrieBytes => _units.Length * 4;

    /// <summary>Size of the replacement-strings blob in bytes.</summary>
    public int StringBytes => _strings.Length;

    public static PrecompiledCharsMap FromBase64(string base64) => FromBytes(Convert.FromBase64String(base64));

    public static PrecompiledCharsMap FromBytes(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 4)
        {
            throw new InvalidDataException("precompiled_charsmap is shorter than its 4-byte header.");
        }

        var trieBytes = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieBytes % 4 != 0 || trieBytes == 0 || trieBytes > blob.Length - 4)
        {
            throw new InvalidDataException($"precompiled_charsmap declares a trie of {trieBytes} bytes in a blob of {blob.Length}.");
        }

        var units = new uint[trieBytes / 4];
        for (var i = 0; i < units.Length; i++)
        {
            units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob[(4 + 4 * i)..]);
        }

        return new PrecompiledCharsMap(units, blob[(4 + (int)trieBytes)..].ToArray());
    }

    /// <summary>Appends the normalised form of <paramref name="text"/>.</summary>
    public void Normalize(ReadOnlySpan<char> text, ref PooledBuffer<char> destination)
    {
        Span<byte> utf8 = stackalloc byte[16];
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            // An ASCII character followed by another ASCII character (CR LF aside) is a cluster of its own.
            if (c < 0x80 && (i + 1 == text.Length || (text[i + 1] < 0x80 && !(c == '\r' && text[i + 1] == '\n'))))
            {
                var replacement = _ascii[c];
                if (replacement is null)
                {
                    destination.Add(c);
                }
                else
                {
                    destination.AddRange(replacement);
                }

                i++;
                continue;
            }

            var clusterLength = StringInfo.GetNextTextElementLength(text[i..]);
            var cluster = text.Slice(i, clusterLength);
            i += clusterLength;
            if (cluster.Length < 6)
            {
                var bytes = utf8[..Encoding.UTF8.GetBytes(cluster, utf8)];
                if (bytes.Length < 6)
                {
                    var at = FirstMatch(bytes);
                    if (at >= 0)
                    {
                        AppendReplacement(at, ref destination);
                        continue;
                    }
                }
            }

            for (var j = 0; j < cluster.Length;)
            {
                Rune.DecodeFromUtf16(cluster[j..], out var rune, out var consumed);
                j += consumed;
                var n = rune.EncodeToUtf8(utf8);
                var at = FirstMatch(utf8[..n]);
                if (at >= 0)
                {
                    AppendReplacement(at, ref destination);
                }
                else
                {
                    var chars = destination.AppendSpan(rune.Utf16SequenceLength);
                    rune.EncodeToUtf16(chars);
                }
            }
        }
    }

    /// <summary>
    /// Darts common-prefix search: the value (offset into the strings blob) of the shortest prefix of
    /// <paramref name="key"/> with an entry, or -1. Stops at a NUL byte.
    /// </summary>
    internal int FirstMatch(ReadOnlySpan<byte> key)
    {
        var units = _units;
        var position = 0;
        var unit = units[0];
        position ^= Offset(unit);
        foreach (var c in key)
        {
            if (c == 0)
            {
                break;
            }

            position ^= c;
            if ((uint)position >= (uint)units.Length)
            {
                return -1;
            }

            unit = units[position];
            if (Label(unit) != c)
            {
                return -1;
            }

            position ^= Offset(unit);
            if (HasLeaf(unit))
            {
                return (uint)position < (uint)units.Length ? (int)(units[position] & 0x7FFFFFFF) : -1;
            }
        }

        return -1;
    }

    private ReadOnlySpan<byte> ReplacementBytes(int offset)
    {
        if ((uint)offset >= (uint)_strings.Length)
        {
            throw new InvalidDataException($"precompiled_charsmap points at offset {offset} past its {_strings.Length}-byte strings blob.");
        }

        var rest = _strings.AsSpan(offset);
        var end = rest.IndexOf((byte)0);
        return end < 0 ? rest : rest[..end];
    }

    private void AppendReplacement(int offset, ref PooledBuffer<char> destination)
    {
        var bytes = ReplacementBytes(offset);
        var chars = destination.AppendSpan(bytes.Length);
        var written = Encoding.UTF8.GetChars(bytes, chars);
        destination.RemoveLast(bytes.Length - written);
    }

    private static int Offset(uint unit) => (int)((unit >> 10) << (int)((unit & (1u << 9)) >> 6));

    private static uint Label(uint unit) => unit & ((1u << 31) | 0xFF);

    private static bool HasLeaf(uint unit) => ((unit >> 8) & 1) == 1;
}
