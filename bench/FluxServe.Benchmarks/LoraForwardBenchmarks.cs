using BenchmarkDotNet.Attributes;
using FluxServe.Engine;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Flux;
using FluxServe.Models.Lora;

namespace FluxServe.Benchmarks;

/// <summary>
/// What a LoRA costs per forward of the FLUX transformer on the CPU backend, at the <c>mid</c> size of
/// <see cref="FluxForwardBenchmarks"/> (hidden 768, 4 double + 8 single blocks, 1024 image + 256 text tokens, float32
/// random weights): the base model, the run-time side path (a BF16 kohya LoRA of the given rank on every Linear, as
/// trainers write them), and the same LoRA merged into a copy of the weights (which must cost what the base costs).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 6)]
public class LoraForwardBenchmarks : IDisposable
{
    private static readonly FluxConfig s_mid = new() { HiddenSize = 768, NumHeads = 6, MlpHiddenSize = 3072, Depth = 4, DepthSingleBlocks = 8 };
    private string? _folder;
    private FluxTransformer? _base;
    private FluxTransformer? _merged;
    private LoraAdapter? _adapter;
    private Tensor? _img, _imgIds, _txt, _txtIds, _y;

    [Params(16, 64)]
    public int Rank { get; set; } = 16;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1234);
        var weights = new WeightSet { Source = "random mid" };
        foreach (var (name, shape) in FluxTensorNames.Expected(s_mid))
        {
            bool isScale = name.EndsWith(".scale", StringComparison.Ordinal);
            weights.Add(name, LoraBenchmarkData.Normal(shape, random, isScale ? 1f : 0f, shape.Length == 2 ? 1f / MathF.Sqrt(shape[1]) : 0.02f));
        }

        _base = new FluxTransformer(s_mid, weights);
        _folder = Directory.CreateTempSubdirectory("fluxserve-lora-bench-").FullName;
        string file = LoraBenchmarkData.WriteKohyaLora(Path.Combine(_folder, "every-linear.safetensors"), s_mid, Rank, random);
        _adapter = LoraAdapter.Load(file, s_mid);
        _merged = new FluxTransformer(s_mid, LoraMerge.Merge(weights, new LoraActivation(_adapter, 0.8f)));
        _img = LoraBenchmarkData.Normal([1, 1024, 64], random, 0, 1);
        _imgIds = LatentPacking.ImageIds(1, 64, 64);
        _txt = LoraBenchmarkData.Normal([1, 256, s_mid.ContextInDim], random, 0, 1);
        _txtIds = Tensor.Zeros([1, 256, 3]);
        _y = LoraBenchmarkData.Normal([1, s_mid.VecInDim], random, 0, 1);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _base?.Dispose();
        _merged?.Dispose();
        _adapter?.Dispose();
        (_base, _merged, _adapter) = (null, null, null);
        foreach (var t in new[] { _img, _imgIds, _txt, _txtIds, _y })
        {
            t?.Dispose();
        }

        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
            _folder = null;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Cleanup();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true)]
    public void Base() => Run(_base!);

    [Benchmark]
    public void SidePath()
    {
        using var scope = LoraScope.Begin(_adapter!, 0.8f);
        Run(_base!);
    }

    [Benchmark]
    public void Merged() => Run(_merged!);

    private void Run(FluxTransformer model) =>
        model.Forward(_img!, _imgIds!, _txt!, _txtIds!, [0.5f], _y!).Dispose();
}
