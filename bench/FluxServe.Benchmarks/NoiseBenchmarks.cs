using BenchmarkDotNet.Attributes;
using FluxServe.Pipelines.Noise;

namespace FluxServe.Benchmarks;

/// <summary>
/// Seeded latent noise (PyTorch CPU <c>manual_seed; randn</c>): the whole draw per kernel, and its two halves
/// (mt19937 uniforms; the Box-Muller transform per lane width). 1024 = [1,16,8,8]; 262144 = [1,16,128,128], the
/// noise of a 1024×1024 image.
/// </summary>
[MemoryDiagnoser]
public class NoiseBenchmarks
{
    private readonly TorchGenerator _generator = new(42);
    private readonly MersenneTwister19937 _engine = new(42);
    private float[] _buffer = [];
    private float[] _uniforms = [];

    [Params(1024, 262144)]
    public int Elements { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _buffer = new float[Elements];
        _uniforms = new float[Elements];
        new MersenneTwister19937(7).FillUniformSingle(_uniforms);
    }

    [Benchmark(Baseline = true)]
    public void RandnAvx2()
    {
        _generator.Kernel = RandnKernel.Avx2;
        _generator.ManualSeed(42).Randn(_buffer);
    }

    [Benchmark]
    public void RandnDefault()
    {
        _generator.Kernel = RandnKernel.Default;
        _generator.ManualSeed(42).Randn(_buffer);
    }

    [Benchmark]
    public void Mt19937Uniforms() => _engine.FillUniformSingle(_buffer);

    [Benchmark]
    [Arguments(512)]
    [Arguments(256)]
    [Arguments(128)]
    [Arguments(32)]
    public void BoxMullerAvx2(int width)
    {
        _uniforms.CopyTo(_buffer, 0);
        NormalFillAvx2.TransformBlocks(_buffer, 0f, 1f, width);
    }
}
