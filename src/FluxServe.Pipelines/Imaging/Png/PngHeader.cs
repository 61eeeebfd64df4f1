using System.Buffers.Binary;

namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>The contents of an IHDR chunk (PNG spec §11.2.2), validated.</summary>
internal readonly record struct PngHeader(int Width, int Height, int BitDepth, PngColorType ColorType, bool Interlaced)
{
    /// <summary>IHDR's data length.</summary>
    public const int Length = 13;

    /// <summary>Samples per pixel: 1 gray, 3 RGB, 1 palette index, 2 gray+alpha, 4 RGBA.</summary>
    public int Channels => ColorType switch
    {
        PngColorType.Grayscale or PngColorType.Palette => 1,
        PngColorType.GrayscaleAlpha => 2,
        PngColorType.Rgb => 3,
        _ => 4,
    };

    /// <summary>The bytes that filters look back by: one pixel, at least one byte (PNG spec §9.2).</summary>
    public int FilterStride => Math.Max(1, Channels * BitDepth / 8);

    /// <summary>Bytes of one scanline of <paramref name="width"/> pixels, without its filter byte.</summary>
    public long RowBytes(long width) => (width * Channels * BitDepth + 7) / 8;

    /// <summary>Parses and validates IHDR's 13 bytes.</summary>
    /// <exception cref="ImageFormatException">A field is out of range or the depth does not suit the colour type.</exception>
    public static PngHeader Parse(ReadOnlySpan<byte> data)
    {
        uint width = BinaryPrimitives.ReadUInt32BigEndian(data);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        int bitDepth = data[8];
        int colorType = data[9];
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
        {
            throw Malformed($"the header declares {width}×{height} pixels (each side must be 1 to 2³¹−1)");
        }

        bool depthValid = colorType switch
        {
            0 => bitDepth is 1 or 2 or 4 or 8 or 16,
            3 => bitDepth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => bitDepth is 8 or 16,
            _ => throw Malformed($"the header declares colour type {colorType} (valid are 0, 2, 3, 4 and 6)"),
        };
        if (!depthValid)
        {
            throw Malformed($"the header declares bit depth {bitDepth}, which colour type {colorType} does not allow");
        }

        if (data[10] != 0)
        {
            throw Malformed($"the header declares compression method {data[10]} (only 0, deflate, exists)");
        }

        if (data[11] != 0)
        {
            throw Malformed($"the header declares filter method {data[11]} (only 0 exists)");
        }

        if (data[12] > 1)
        {
            throw Malformed($"the header declares interlace method {data[12]} (valid are 0 and 1, Adam7)");
        }

        return new PngHeader((int)width, (int)height, bitDepth, (PngColorType)colorType, data[12] == 1);
    }

    private static ImageFormatException Malformed(string reason) => new(ImageFormat.Png, reason);
}
