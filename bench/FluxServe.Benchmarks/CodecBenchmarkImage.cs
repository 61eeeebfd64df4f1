using FluxServe.Pipelines.Imaging;

namespace FluxServe.Benchmarks;

/// <summary>
/// The codec benchmarks' input: a deterministic 1024×1024 photograph-like picture (smooth gradients, a soft
/// texture, hard-edged shaded discs, ±5 levels of noise), the same recipe as the imaging tests' <c>PhotoLike</c>.
/// <c>scripts/bench-jpeg-peer.sh</c> has it written as a PPM (through <see cref="WritePpm"/>) for the peers.
/// </summary>
public static class CodecBenchmarkImage
{
    public const int Size = 1024;

    public static RgbImage Create(int seed = 1)
    {
        var image = new RgbImage(Size, Size);
        var random = new Random(seed);
        const int Discs = 6;
        var cx = new double[Discs];
        var cy = new double[Discs];
        var radius = new double[Discs];
        var color = new byte[Discs * 3];
        for (int d = 0; d < Discs; d++)
        {
            cx[d] = random.NextDouble() * Size;
            cy[d] = random.NextDouble() * Size;
            radius[d] = (0.05 + (0.2 * random.NextDouble())) * Size;
            random.NextBytes(color.AsSpan(3 * d, 3));
        }

        var pixels = image.Pixels;
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                double u = (double)x / Size, v = (double)y / Size;
                double texture = 18 * Math.Sin((x * 0.09) + (y * 0.031)) * Math.Cos(y * 0.047);
                double r = 40 + (150 * u) + texture;
                double g = 60 + (120 * v) - texture;
                double b = 120 + (70 * Math.Sin(6 * u * v)) + (0.5 * texture);
                for (int d = 0; d < Discs; d++)
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

                int o = 3 * ((y * Size) + x);
                pixels[o] = Clamp(r + random.Next(-5, 6));
                pixels[o + 1] = Clamp(g + random.Next(-5, 6));
                pixels[o + 2] = Clamp(b + random.Next(-5, 6));
            }
        }

        return image;
    }

    /// <summary>Writes <paramref name="image"/> as a binary PPM (P6), the input format of <c>cjpeg</c> and <c>cwebp</c>.</summary>
    public static void WritePpm(RgbImage image, string path)
    {
        using var file = File.Create(path);
        file.Write(System.Text.Encoding.ASCII.GetBytes($"P6\n{image.Width} {image.Height}\n255\n"));
        file.Write(image.Pixels);
    }

    private static byte Clamp(double value) => (byte)Math.Clamp((int)Math.Round(value), 0, 255);
}
