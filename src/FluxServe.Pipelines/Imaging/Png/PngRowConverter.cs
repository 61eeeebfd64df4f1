using System.Runtime.CompilerServices;

namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>
/// Converts one reconstructed PNG scanline of any colour type and bit depth to 8-bit RGB (PNG spec §7.2, §13.12):
/// grey is replicated to R, G and B; samples below 8 bits are scaled by bit replication's exact equivalent
/// <c>v · 255 / (2^d − 1)</c>; 16-bit samples are rounded to <c>round(v · 255 / 65535)</c>; palette indices are
/// looked up (an index past the palette gives black, as libpng does); alpha is dropped (the colour samples are kept
/// as stored, as Pillow's <c>convert("RGB")</c> does).
/// </summary>
internal static class PngRowConverter
{
    /// <summary>Writes <paramref name="width"/> RGB pixels from the scanline <paramref name="raw"/> to <paramref name="rgb"/>.</summary>
    /// <param name="header">The image's colour type and bit depth.</param>
    /// <param name="raw">The scanline without its filter byte, already reconstructed.</param>
    /// <param name="width">Pixels in the scanline (a pass of an interlaced image is narrower than the image).</param>
    /// <param name="palette">256 RGB entries (768 bytes), black past the PLTE chunk's entries.</param>
    /// <param name="rgb">At least 3 × <paramref name="width"/> bytes.</param>
    public static void ToRgb(in PngHeader header, ReadOnlySpan<byte> raw, int width, ReadOnlySpan<byte> palette, Span<byte> rgb)
    {
        rgb = rgb[..(width * 3)];
        int depth = header.BitDepth;
        switch (header.ColorType)
        {
            case PngColorType.Grayscale when depth < 8:
                GraySubByte(raw, width, depth, rgb);
                break;
            case PngColorType.Grayscale when depth == 8:
                for (int i = 0, o = 0; i < width; i++, o += 3)
                {
                    byte g = raw[i];
                    rgb[o] = g;
                    rgb[o + 1] = g;
                    rgb[o + 2] = g;
                }

                break;
            case PngColorType.Grayscale:
                for (int i = 0, o = 0; i < width; i++, o += 3)
                {
                    byte g = Scale16(raw[2 * i], raw[(2 * i) + 1]);
                    rgb[o] = g;
                    rgb[o + 1] = g;
                    rgb[o + 2] = g;
                }

                break;
            case PngColorType.Rgb when depth == 8:
                raw[..(width * 3)].CopyTo(rgb);
                break;
            case PngColorType.Rgb:
                for (int s = 0; s < width * 3; s++)
                {
                    rgb[s] = Scale16(raw[2 * s], raw[(2 * s) + 1]);
                }

                break;
            case PngColorType.Palette:
                PaletteIndices(raw, width, depth, palette, rgb);
                break;
            case PngColorType.GrayscaleAlpha:
                int step = depth == 8 ? 2 : 4;
                for (int i = 0, o = 0; i < width; i++, o += 3)
                {
                    byte g = depth == 8 ? raw[i * step] : Scale16(raw[i * step], raw[(i * step) + 1]);
                    rgb[o] = g;
                    rgb[o + 1] = g;
                    rgb[o + 2] = g;
                }

                break;
            case PngColorType.Rgba when depth == 8:
                for (int i = 0, o = 0; i < width; i++, o += 3)
                {
                    rgb[o] = raw[4 * i];
                    rgb[o + 1] = raw[(4 * i) + 1];
                    rgb[o + 2] = raw[(4 * i) + 2];
                }

                break;
            case PngColorType.Rgba:
                for (int i = 0, o = 0; i < width; i++, o += 3)
                {
                    int p = 8 * i;
                    rgb[o] = Scale16(raw[p], raw[p + 1]);
                    rgb[o + 1] = Scale16(raw[p + 2], raw[p + 3]);
                    rgb[o + 2] = Scale16(raw[p + 4], raw[p + 5]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(header), header.ColorType, "Unknown PNG colour type.");
        }
    }

    /// <summary>A big-endian 16-bit sample rounded to 8 bits: <c>round(v · 255 / 65535)</c> (65535 is odd, so no ties).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Scale16(byte high, byte low) => (byte)((((uint)((high << 8) | low) * 255) + 32767) / 65535);

    private static void GraySubByte(ReadOnlySpan<byte> raw, int width, int depth, Span<byte> rgb)
    {
        int mask = (1 << depth) - 1;
        int scale = 255 / mask; // 255, 85 or 17: exact for depths 1, 2, 4
        int perByte = 8 / depth;
        for (int i = 0, o = 0; i < width; i++, o += 3)
        {
            int shift = 8 - depth - (depth * (i % perByte));
            byte g = (byte)(((raw[i / perByte] >> shift) & mask) * scale);
            rgb[o] = g;
            rgb[o + 1] = g;
            rgb[o + 2] = g;
        }
    }

    private static void PaletteIndices(ReadOnlySpan<byte> raw, int width, int depth, ReadOnlySpan<byte> palette, Span<byte> rgb)
    {
        int mask = (1 << depth) - 1;
        int perByte = 8 / depth;
        for (int i = 0, o = 0; i < width; i++, o += 3)
        {
            int index = depth == 8 ? raw[i] : (raw[i / perByte] >> (8 - depth - (depth * (i % perByte)))) & mask;
            palette.Slice(index * 3, 3).CopyTo(rgb[o..]);
        }
    }
}
