using FluxServe.Engine;

namespace FluxServe.Pipelines.Noise;

/// <summary>
/// BFL's reference noise, <c>flux.sampling.get_noise</c>: <c>torch.randn(n, 16, 2·⌈h/16⌉, 2·⌈w/16⌉, dtype,
/// generator=torch.Generator("cpu").manual_seed(seed))</c>. The reference CLI draws it in bfloat16 (a different
/// stream of values from float32); ComfyUI, which the API follows, draws float32 (spec/sampling.md §2, §8).
/// </summary>
public static class BflNoise
{
    /// <summary>The latent noise shape for <paramref name="numSamples"/> images of <paramref name="height"/>×<paramref name="width"/> pixels.</summary>
    public static int[] Shape(int numSamples, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numSamples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        return [numSamples, 16, 2 * ((height + 15) / 16), 2 * ((width + 15) / 16)];
    }

    /// <summary>Draws the noise as a new CPU tensor of <paramref name="dtype"/> (F32 or BF16).</summary>
    public static Tensor GetNoise(int numSamples, int height, int width, ulong seed, DType dtype = DType.F32, RandnKernel kernel = RandnKernel.Avx2) =>
        new TorchGenerator(seed, kernel).Randn(Shape(numSamples, height, width), dtype);
}
