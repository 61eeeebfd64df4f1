namespace FluxServe.Pipelines.Text;

/// <summary>
/// GPT-2's reversible byte → printable-character table (spec text-encoders §1.2 step 3): bytes 33–126, 161–172
/// and 174–255 stand for themselves; the other 68 bytes, in increasing order, become U+0100, U+0101, ….
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] Table = Build();

    /// <summary>The character that stands for <paramref name="b"/> in the vocabulary.</summary>
    public static char ToChar(byte b) => Table[b];

    private static char[] Build()
    {
        var table = new char[256];
        var next = 0x100;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= 33 and <= 126 or >= 161 and <= 172 or >= 174 and <= 255;
            table[b] = printable ? (char)b : (char)next++;
        }

        return table;
    }
}
