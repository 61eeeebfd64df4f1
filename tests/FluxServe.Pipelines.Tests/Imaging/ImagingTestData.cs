using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using FluxServe.Pipelines.Imaging;

namespace FluxServe.Pipelines.Tests.Imaging;

/// <summary>Test images, the reference corpus folder, and independent reference computations (CRC, PSNR).</summary>
internal static class ImagingTestData
{
    public static string PngCorpusFolder => Path.Combine(SourceFolder(), "Data", "png-corpus");

    /// <summary>
    /// A deterministic photograph-like image: smooth gradients, a soft texture, hard-edged discs and mild noise, so
    /// that codecs see both flat areas and detail.
    /// </summary>
    public static RgbImage PhotoLike(int width, int height, int seed = 1)
    {
        var image = new RgbImage(width, height);
        var random = new Random(seed);
        int discs = 6;
        var cx = new double[discs];
        var cy = new double[discs];
        var radius = new double[discs];
        var color = new byte[discs * 3];
        for (int d = 0; d < discs; d++)
        {
            cx[d] = random.NextDouble() * width;
            cy[d] = random.NextDouble() * height;
            radius[d] = (0.05 + (0.2 * random.NextDouble())) * Math.Min(width, height);
            random.NextBytes(color.AsSpan(3 * d, 3));
        }

        var pixels = image.Pixels;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double u = (double)x / width, v = (double)y / height;
                double texture = 18 * Math.Sin((x * 0.09) + (y * 0.031)) * Math.Cos(y * 0.047);
                double r = 40 + (150 * u) + texture;
                double g = 60 + (120 * v) - texture;
                double b = 120 + (70 * Math.Sin(6 * u * v)) + (0.5 * texture);
                for (int d = 0; d < discs; d++)
                {
                    double dx = x - cx[d], dy = y - cy[d];
                    if ((dx * dx) + (dy * dy) < radius[d] * radius[d])
                    {
                        double shade = 0.75 + (0.25 * (dx / radius[d]));
                        r = color[3 * d] * shade;
                        g = color[(3 * d) + 1] * shade;
                        b = color[(3 * d) + 2] * shade;
                    }
                }

                int o = 3 * ((y * width) + x);
                pixels[o] = Clamp(r + random.Next(-5, 6));
                pixels[o + 1] = Clamp(g + random.Next(-5, 6));
                pixels[o + 2] = Clamp(b + random.Next(-5, 6));
            }
        }

        return image;
    }

    /// <summary>Uniformly random pixels (incompressible).</summary>
    public static RgbImage Noise(int width, int height, int seed)
    {
        var image = new RgbImage(width, height);
        new Random(seed).NextBytes(image.Pixels);
        return image;
    }

    /// <summary>Peak signal-to-noise ratio in dB over all samples (∞ when identical).</summary>
    public static double Psnr(RgbImage expected, RgbImage actual)
    {
        Assert.Equal(expected.Width, actual.Width);
        Assert.Equal(expected.Height, actual.Height);
        var a = expected.Pixels;
        var b = actual.Pixels;
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            sum += d * d;
        }

        double mse = sum / a.Length;
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);
    }

    /// <summary>CRC-32 (ISO 3309 / PNG), bit by bit: an independent reference for the zlib-computed one.</summary>
    public static uint ReferenceCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte value in data)
        {
            crc ^= value;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    /// <summary>Recomputes the CRC of the PNG chunk whose length field is at <paramref name="offset"/>.</summary>
    public static void FixChunkCrc(byte[] png, int offset)
    {
        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset));
        uint crc = ReferenceCrc(png.AsSpan(offset + 4, length + 4));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(offset + 8 + length), crc);
    }

    /// <summary>The offsets of every chunk's length field in a PNG file, with their types.</summary>
    public static List<(int Offset, string Type, int Length)> Chunks(byte[] png)
    {
        var chunks = new List<(int, string, int)>();
        int offset = 8;
        while (offset + 12 <= png.Length)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset));
            chunks.Add((offset, System.Text.Encoding.ASCII.GetString(png, offset + 4, 4), length));
            offset += 12 + length;
        }

        return chunks;
    }

    public static byte[] ToArray(RgbImage image) => image.Pixels.ToArray();

    private static byte Clamp(double value) => (byte)Math.Clamp((int)Math.Round(value), 0, 255);

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
