using System.Buffers;
using FluxServe.Engine;
using FluxServe.Pipelines.Imaging;

namespace FluxServe.Pipelines.Redux;

/// <summary>
/// 8-bit RGB images → normalised SigLIP pixels [B, 3, S, S] (mean = std = 0.5, so values in [−1, 1]) in either
/// reference's way (<see cref="SiglipPreprocessing"/>, spec/redux.md §3).
/// </summary>
public static class SiglipImageProcessor
{
    /// <summary>The so400m-patch14-384 input side.</summary>
    public const int DefaultSize = 384;

    /// <summary>One image as a [1, 3, size, size] float32 host tensor.</summary>
    public static Tensor ToPixels(RgbImage image, SiglipPreprocessing mode, int size = DefaultSize)
    {
        ArgumentNullException.ThrowIfNull(image);
        return ToPixels([image], mode, size);
    }

    /// <summary>Several images as one [B, 3, size, size] float32 host tensor.</summary>
    public static Tensor ToPixels(IReadOnlyList<RgbImage> images, SiglipPreprocessing mode, int size = DefaultSize)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (images.Count == 0)
        {
            throw new ArgumentException("At least one image is needed.", nameof(images));
        }

        int plane = size * size;
        var pixels = Tensor.Empty([images.Count, 3, size, size], DType.F32);
        try
        {
            var all = pixels.AsSpan<float>();
            byte[] rented = ArrayPool<byte>.Shared.Rent(3 * plane);
            var levels = rented.AsSpan(0, 3 * plane);
            try
            {
                for (int b = 0; b < images.Count; b++)
                {
                    ArgumentNullException.ThrowIfNull(images[b], nameof(images));
                    var destination = all.Slice(b * 3 * plane, 3 * plane);
                    if (mode == SiglipPreprocessing.ComfyUi)
                    {
                        ComfyUiLevels(images[b], size, levels);
                        Normalise(levels, destination, ComfyLevel);
                    }
                    else
                    {
                        using var resized = PillowBicubic.Resize(images[b], size, size);
                        ToPlanes(resized.Pixels, plane, levels);
                        Normalise(levels, destination, HuggingFaceLevel);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }

            return pixels;
        }
        catch
        {
            pixels.Dispose();
            throw;
        }
    }

    /// <summary>
    /// ComfyUI steps 1–3: the image as floats /255, the shortest side scaled to <paramref name="size"/> with Python's
    /// half-to-even rounding of the other side, antialiased bicubic, the centred <paramref name="size"/>² crop, and
    /// <c>round(clip(255·p, 0, 255))</c>; written as 8-bit levels, plane after plane, into <paramref name="levels"/>.
    /// Only the crop is resampled (<see cref="AntialiasedBicubic.ResizeRgbWindow"/>), into a pooled buffer.
    /// </summary>
    internal static void ComfyUiLevels(RgbImage image, int size, Span<byte> levels)
    {
        int height = image.Height, width = image.Width;
        // An image whose short side is already the size keeps scale 1 and its own dimensions: no resampling.
        double scale = (double)size / Math.Min(height, width);
        int newHeight = (int)Math.Round(scale * height, MidpointRounding.ToEven);
        int newWidth = (int)Math.Round(scale * width, MidpointRounding.ToEven);
        int top = (newHeight - size) / 2, left = (newWidth - size) / 2;
        int count = 3 * size * size;
        float[] window = ArrayPool<float>.Shared.Rent(count);
        try
        {
            AntialiasedBicubic.ResizeRgbWindow(image.Pixels, height, width, newHeight, newWidth, top, left, size, size, window);
            for (int i = 0; i < count; i++)
            {
                // torch.clip(255. * image, 0, 255).round(): float32 product, clamp, round half to even.
                levels[i] = (byte)MathF.Round(Math.Clamp(255f * window[i], 0f, 255f), MidpointRounding.ToEven);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(window);
        }
    }

    // ComfyUI: level / 255 in float32, then (p − 0.5) / 0.5.
    private static float ComfyLevel(byte level) => ((level / 255f) - 0.5f) / 0.5f;

    // HF rescale: level · (1/255) in double, stored as float32; then normalize in float32.
    private static float HuggingFaceLevel(byte level) => ((float)(level * (1.0 / 255.0)) - 0.5f) / 0.5f;

    private static void Normalise(ReadOnlySpan<byte> levels, Span<float> destination, Func<byte, float> map)
    {
        Span<float> table = stackalloc float[256];
        for (int i = 0; i < 256; i++)
        {
            table[i] = map((byte)i);
        }

        for (int i = 0; i < levels.Length; i++)
        {
            destination[i] = table[levels[i]];
        }
    }

    // Interleaved RGB bytes → three planes of bytes.
    private static void ToPlanes(ReadOnlySpan<byte> rgb, int plane, Span<byte> planes)
    {
        for (int i = 0; i < plane; i++)
        {
            planes[i] = rgb[3 * i];
            planes[plane + i] = rgb[(3 * i) + 1];
            planes[(2 * plane) + i] = rgb[(3 * i) + 2];
        }
    }
}
