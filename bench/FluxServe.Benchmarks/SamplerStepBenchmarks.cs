using BenchmarkDotNet.Attributes;
using FluxServe.Pipelines.Noise;
using FluxServe.Pipelines.Sampling;

namespace FluxServe.Benchmarks;

/// <summary>
/// The per-step overhead of the samplers outside the model, on the latent of a 1024×1024 image ([1,16,128,128]):
/// an 8-step run with a denoiser that costs nothing (it leaves its output buffer as it is), reported per step
/// (<c>OperationsPerInvoke</c>). Deterministic samplers cost the latent arithmetic only; ancestral ones add a
/// <c>randn</c> per step; SDE ones add Brownian-tree increments (a <c>randn</c> per tree node they visit).
/// </summary>
[MemoryDiagnoser]
public class SamplerStepBenchmarks
{
    private const int Steps = 8;
    private static readonly LatentShape s_shape = new(1, 16, 128, 128);

    private readonly FlowModelSampling _modelSampling = FlowModelSampling.Schnell();
    private float[] _noise = [];
    private float[] _x = [];
    private float[] _sigmas = [];
    private LatentSampler _sampler = SamplerCatalog.Get("euler");
    private SamplerContext _context = null!;

    [Params("euler", "dpmpp_2m", "uni_pc", "euler_ancestral", "dpmpp_2m_sde", "dpmpp_sde")]
    public string Sampler { get; set; } = "euler";

    [GlobalSetup]
    public void Setup()
    {
        _sampler = SamplerCatalog.Get(Sampler);
        _noise = new TorchGenerator(42).Randn(s_shape.ToArray()).ToArray<float>();
        _x = new float[_noise.Length];
        _sigmas = SigmaSchedules.ForKSampler(_modelSampling, SigmaScheduler.Simple, Steps, 1.0, _sampler.DiscardsPenultimateSigma);
        _context = new SamplerContext(s_shape, new FreeDenoiser(), _modelSampling, seed: 42);
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public float Step()
    {
        _noise.CopyTo(_x, 0);
        _sampler.Sample(_x, _sigmas, _context);
        return _x[0];
    }

    /// <summary>A model that costs nothing: the sampler's own work is all that is measured.</summary>
    private sealed class FreeDenoiser : IDenoiser
    {
        public void Denoise(ReadOnlySpan<float> x, float sigma, Span<float> denoised, Span<float> unconditional, CancellationToken cancellationToken)
        {
        }
    }
}
