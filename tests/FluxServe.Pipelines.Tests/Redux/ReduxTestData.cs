using System.Runtime.CompilerServices;
using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Pipelines.Imaging;

namespace FluxServe.Pipelines.Tests.Redux;

/// <summary>
/// The reference values of <c>scripts/reference/siglip_preprocess.py</c> (Data/siglip-preprocess.safetensors: PyTorch
/// 1.13 antialiased bicubic, ComfyUI-mode and Pillow 9.4 HF-mode preprocessing) and the integer test pattern whose
/// images the script resized (not stored: computed here the same way).
/// </summary>
internal static class ReduxTestData
{
    public static string GoldenFile => Path.Combine(SourceFolder(), "Data", "siglip-preprocess.safetensors");

    /// <summary>The script's <c>pattern(height, width, seed)</c>: gradients with a wrapped texture.</summary>
    public static RgbImage Pattern(int height, int width, int seed)
    {
        var image = new RgbImage(width, height);
        var pixels = image.Pixels;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    int v = ((5 * x) + (3 * y) + (40 * c) + (((7 * x * y) + (11 * seed) + (13 * c * x)) % 61) + (17 * seed)) % 256;
                    pixels[(((y * width) + x) * 3) + c] = (byte)v;
                }
            }
        }

        return image;
    }

    /// <summary>The pattern as three float planes /255 (ComfyUI's float image).</summary>
    public static float[] PatternPlanes(int height, int width, int seed)
    {
        using var image = Pattern(height, width, seed);
        var planes = new float[3 * height * width];
        var pixels = image.Pixels;
        for (int i = 0; i < height * width; i++)
        {
            for (int c = 0; c < 3; c++)
            {
                planes[(c * height * width) + i] = pixels[(3 * i) + c] / 255f;
            }
        }

        return planes;
    }

    /// <summary>
    /// The golden entries of one kind ("torch", "comfy", "hf"): name, input height and width, the two numbers after
    /// it (output size for "torch", crop size twice for the others) and the pattern seed.
    /// </summary>
    public static IEnumerable<(string Name, int Height, int Width, int OutHeight, int OutWidth, int Seed)> Cases(string kind)
    {
        using var file = SafetensorsFile.Open(GoldenFile);
        foreach (var entry in file.Entries)
        {
            string[] parts = entry.Name.Split('.');
            if (parts[0] != kind || parts.Length != 4)
            {
                continue;
            }

            var (h, w) = Size(parts[1]);
            var (oh, ow) = parts[2].StartsWith('s') ? (int.Parse(parts[2][1..], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[2][1..], System.Globalization.CultureInfo.InvariantCulture)) : Size(parts[2]);
            yield return (entry.Name, h, w, oh, ow, int.Parse(parts[3]["seed".Length..], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public static Tensor Golden(string name)
    {
        using var file = SafetensorsFile.Open(GoldenFile);
        using var view = file.GetTensor(name);
        return view.To(Device.Cpu);
    }

    public static bool HasGolden(string name)
    {
        using var file = SafetensorsFile.Open(GoldenFile);
        return file.TryGetEntry(name, out _);
    }

    private static (int, int) Size(string text)
    {
        string[] hw = text.Split('x');
        return (int.Parse(hw[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(hw[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
