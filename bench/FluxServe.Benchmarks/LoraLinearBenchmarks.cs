using BenchmarkDotNet.Attributes;
using FluxServe.Engine;
using FluxServe.Models.Flux;
using FluxServe.Models.Layers;
using FluxServe.Models.Lora;

namespace FluxServe.Benchmarks;

/// <summary>
/// One FLUX.1-dev layer at its real size, <c>double_blocks.0.img_attn.qkv</c> (BF16 [9216, 3072]) on 1024 image
/// tokens (a 512² image): the base Linear, and the same layer with a BF16 LoRA side path of the given rank, as one
/// layer's share of the full model's overhead.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 10)]
public class LoraLinearBenchmarks
{
    private const int Hidden = 3072;
    private string? _folder;
    private Tensor? _weight, _bias, _x;
    private LinearLayer? _layer;
    private LoraAdapter? _adapter;

    [Params(16, 64)]
    public int Rank { get; set; } = 16;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        var config = new FluxConfig { Depth = 1, DepthSingleBlocks = 0 };
        using (var w = LoraBenchmarkData.Normal([3 * Hidden, Hidden], random, 0, 1f / MathF.Sqrt(Hidden)))
        {
            _weight = w.Cast(DType.BF16);
        }

        _bias = LoraBenchmarkData.Normal([3 * Hidden], random, 0, 0.02f);
        _x = LoraBenchmarkData.Normal([1, 1024, Hidden], random, 0, 1);
        _layer = new LinearLayer(_weight, _bias) { Name = "double_blocks.0.img_attn.qkv" };
        _folder = Directory.CreateTempSubdirectory("fluxserve-lora-bench-").FullName;
        _adapter = LoraAdapter.Load(LoraBenchmarkData.WriteKohyaLora(Path.Combine(_folder, "qkv.safetensors"), config, Rank, random), config);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _adapter?.Dispose();
        foreach (var t in new[] { _weight, _bias, _x })
        {
            t?.Dispose();
        }

        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Benchmark(Baseline = true)]
    public void Base() => _layer!.Forward(_x!).Dispose();

    [Benchmark]
    public void SidePath()
    {
        using var scope = LoraScope.Begin(_adapter!, 0.8f);
        _layer!.Forward(_x!).Dispose();
    }
}
