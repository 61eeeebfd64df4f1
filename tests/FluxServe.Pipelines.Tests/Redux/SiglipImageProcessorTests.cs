using FluxServe.Pipelines.Imaging;
using FluxServe.Pipelines.Redux;

namespace FluxServe.Pipelines.Tests.Redux;

/// <summary>
/// Both preprocessing modes end to end against the reference script: ComfyUI mode (PyTorch: round of the scaled
/// side, antialiased bicubic, center crop, 8-bit quantisation) and HF mode (Pillow bicubic to the square), including
/// one case at the real 384 with a 64-row crop and one whose scaled side is exactly 32.5 (Python rounds half to even: 32).
/// </summary>
public sealed class SiglipImageProcessorTests
{
    public static TheoryData<string> ComfyCases() => [.. ReduxTestData.Cases("comfy").Select(c => c.Name)];

    public static TheoryData<string> HfCases() => [.. ReduxTestData.Cases("hf").Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(ComfyCases))]
    public void ComfyUi_mode_matches_the_reference(string name)
    {
        var c = ReduxTestData.Cases("comfy").Single(x => x.Name == name);
        int size = c.OutHeight;
        using var image = ReduxTestData.Pattern(c.Height, c.Width, c.Seed);
        using var expected = ReduxTestData.Golden(name);
        byte[] e = expected.AsSpan<byte>().ToArray(); // [size, size, 3]
        using var pixels = SiglipImageProcessor.ToPixels(image, SiglipPreprocessing.ComfyUi, size);
        Assert.Equal([1, 3, size, size], pixels.Shape.ToArray());
        float[] actual = pixels.ToArray<float>();
        float[] beforeRounding = CroppedFloats(c.Height, c.Width, size, c.Seed);
        int plane = size * size, ties = 0;
        for (int i = 0; i < plane; i++)
        {
            for (int ch = 0; ch < 3; ch++)
            {
                // ComfyUI: level/255 in float32, then (p − 0.5)/0.5.
                byte level = e[(3 * i) + ch];
                float got = actual[(ch * plane) + i];
                if (got == ((level / 255f) - 0.5f) / 0.5f)
                {
                    continue;
                }

                // Only an exact half-level tie may round the other way than in PyTorch (its float sums differ from ours
                // in the last bits): then our value must be the neighbouring level and 255·p within float noise of k + ½.
                float scaled = 255f * beforeRounding[(ch * plane) + i];
                Assert.True(
                    MathF.Abs(got - (((level / 255f) - 0.5f) / 0.5f)) < 2.5f / 255f && MathF.Abs(scaled - MathF.Floor(scaled) - 0.5f) < 1e-3f,
                    $"{name} [{ch}, {i / size}, {i % size}]: level {MathF.Round(((got * 0.5f) + 0.5f) * 255f)} vs PyTorch's {level}, from 255·p = {scaled}");
                ties++;
            }
        }

        Assert.True(ties <= plane * 3 / 100, $"{name}: {ties} of {plane * 3} values at ties");
    }

    // Our float image after the resize and the crop (before the 8-bit rounding), planes [3, size, size].
    private static float[] CroppedFloats(int height, int width, int size, int seed)
    {
        float[] planes = ReduxTestData.PatternPlanes(height, width, seed);
        if (height == size && width == size)
        {
            return planes;
        }

        double scale = (double)size / Math.Min(height, width);
        int newHeight = (int)Math.Round(scale * height, MidpointRounding.ToEven), newWidth = (int)Math.Round(scale * width, MidpointRounding.ToEven);
        float[] resized = new float[3 * newHeight * newWidth];
        AntialiasedBicubic.Resize(planes, 3, height, width, resized, newHeight, newWidth);
        int top = (newHeight - size) / 2, left = (newWidth - size) / 2;
        float[] cropped = new float[3 * size * size];
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < size; y++)
            {
                resized.AsSpan((((c * newHeight) + top + y) * newWidth) + left, size).CopyTo(cropped.AsSpan(((c * size) + y) * size, size));
            }
        }

        return cropped;
    }

    [Theory]
    [MemberData(nameof(HfCases))]
    public void HuggingFace_mode_matches_pillow_and_the_hf_normalisation(string name)
    {
        var c = ReduxTestData.Cases("hf").Single(x => x.Name == name);
        int size = c.OutHeight;
        using var image = ReduxTestData.Pattern(c.Height, c.Width, c.Seed);
        using var expected = ReduxTestData.Golden(name);
        byte[] e = expected.AsSpan<byte>().ToArray();
        using var pixels = SiglipImageProcessor.ToPixels(image, SiglipPreprocessing.HuggingFace, size);
        float[] actual = pixels.ToArray<float>();
        int plane = size * size;
        for (int i = 0; i < plane; i++)
        {
            for (int ch = 0; ch < 3; ch++)
            {
                // HF: rescale by 1/255 in double stored as float32, then (p − 0.5)/0.5 in float32.
                float want = ((float)(e[(3 * i) + ch] * (1.0 / 255.0)) - 0.5f) / 0.5f;
                Assert.Equal(want, actual[(ch * plane) + i]);
            }
        }
    }

    [Fact]
    public void ComfyUi_resize_before_the_crop_matches_pytorch()
    {
        foreach (var c in ReduxTestData.Cases("comfy"))
        {
            string name = c.Name + ".resized";
            if (!ReduxTestData.HasGolden(name))
            {
                continue;
            }

            using var expected = ReduxTestData.Golden(name);
            int newHeight = expected.Dim(1), newWidth = expected.Dim(2);
            int size = c.OutHeight;
            double scale = (double)size / Math.Min(c.Height, c.Width);
            Assert.Equal(newHeight, (int)Math.Round(scale * c.Height, MidpointRounding.ToEven));
            Assert.Equal(newWidth, (int)Math.Round(scale * c.Width, MidpointRounding.ToEven));
            float[] source = ReduxTestData.PatternPlanes(c.Height, c.Width, c.Seed);
            float[] resized = new float[3 * newHeight * newWidth];
            AntialiasedBicubic.Resize(source, 3, c.Height, c.Width, resized, newHeight, newWidth);
            float[] e = expected.ToArray<float>();
            for (int i = 0; i < e.Length; i++)
            {
                Assert.True(MathF.Abs(resized[i] - e[i]) <= 1e-6f, $"{name}[{i}]: {resized[i]} vs {e[i]}");
            }
        }
    }

    [Fact]
    public void The_crop_is_centred()
    {
        // 25 rows × 32 columns to 25: the short side already fits (an identity resize), the crop keeps columns
        // (32 − 25)//2 = 3 .. 27. Every column holds a level derived from its index, so the offset reads back.
        using var wide = new RgbImage(32, 25);
        for (int y = 0; y < 25; y++)
        {
            for (int x = 0; x < 32; x++)
            {
                wide.GetRow(y).Slice(3 * x, 3).Fill((byte)(8 * x));
            }
        }

        byte[] levels = new byte[3 * 25 * 25];
        SiglipImageProcessor.ComfyUiLevels(wide, 25, levels);
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < 25; y++)
            {
                for (int x = 0; x < 25; x++)
                {
                    Assert.Equal((byte)(8 * (x + 3)), levels[(((c * 25) + y) * 25) + x]);
                }
            }
        }
    }

    [Fact]
    public void A_batch_stacks_the_images_in_order()
    {
        using var a = ReduxTestData.Pattern(30, 40, 1);
        using var b = ReduxTestData.Pattern(50, 20, 2);
        using var both = SiglipImageProcessor.ToPixels([a, b], SiglipPreprocessing.ComfyUi, 16);
        using var first = SiglipImageProcessor.ToPixels(a, SiglipPreprocessing.ComfyUi, 16);
        using var second = SiglipImageProcessor.ToPixels(b, SiglipPreprocessing.ComfyUi, 16);
        Assert.Equal([2, 3, 16, 16], both.Shape.ToArray());
        Assert.Equal(first.ToArray<float>().Concat(second.ToArray<float>()), both.ToArray<float>());
        Assert.All(both.ToArray<float>(), v => Assert.InRange(v, -1f, 1f));
    }
}
