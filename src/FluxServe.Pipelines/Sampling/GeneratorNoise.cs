using FluxServe.Pipelines.Noise;

namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// ComfyUI's <c>default_noise_sampler(x, seed)</c> on a CPU: a fresh PyTorch generator seeded with
/// <c>seed + 1</c>, each call the next <c>torch.randn(x.shape)</c> of that stream (spec/sampling.md §5; the fixture
/// confirms the + 1). ComfyUI on CUDA seeds a CUDA generator with the seed itself; FluxServe keeps the CPU semantics
/// on every backend.
/// </summary>
internal sealed class GeneratorNoise(ulong seed) : SamplerNoise
{
    private readonly TorchGenerator _generator = new(unchecked(seed + 1));

    /// <inheritdoc />
    public override void Next(float sigma, float sigmaNext, Span<float> destination) => _generator.Randn(destination);
}
