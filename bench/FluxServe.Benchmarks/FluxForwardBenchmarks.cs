using BenchmarkDotNet.Attributes;
using FluxServe.Engine;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Flux;

namespace FluxServe.Benchmarks;

/// <summary>
/// One forward of the FLUX transformer on the CPU backend with random float32 weights, in the shapes of the peer script
/// <c>scripts/peers/bench_flux_forward.py</c> (BFL's reference model on PyTorch): <c>tiny</c> = the flux-tiny fixture
/// (64 image + 8 text tokens), <c>mid</c> = hidden 768, 4 double + 8 single blocks, 1024 image + 256 text tokens.
/// </summary>
[MemoryDiagnoser]
public class FluxForwardBenchmarks
{
    private FluxForwardCase? _case;

    [Params("tiny", "mid")]
    public string Config { get; set; } = "tiny";

    [GlobalSetup]
    public void Setup() => _case = FluxForwardCase.Create(Config);

    [GlobalCleanup]
    public void Cleanup() => _case?.Dispose();

    [Benchmark]
    public void Forward() => _case!.Run().Dispose();
}

/// <summary>A random-weight FLUX model and inputs of a named size, shared by the BDN benchmark and the quick mode.</summary>
public sealed class FluxForwardCase : IDisposable
{
    private readonly FluxTransformer _model;
    private readonly Tensor _img, _imgIds, _txt, _txtIds, _y;
    private readonly float[] _timesteps = [0.5f];

    private FluxForwardCase(FluxTransformer model, Tensor img, Tensor imgIds, Tensor txt, Tensor txtIds, Tensor y)
    {
        _model = model;
        (_img, _imgIds, _txt, _txtIds, _y) = (img, imgIds, txt, txtIds, y);
    }

    public static FluxForwardCase Create(string name)
    {
        var (config, h, w, textTokens) = name switch
        {
            "tiny" => (new FluxConfig { HiddenSize = 128, NumHeads = 2, MlpHiddenSize = 512, Depth = 2, DepthSingleBlocks = 2, VecInDim = 32, ContextInDim = 48, AxesDim = [8, 28, 28] }, 16, 16, 8),
            "mid" => (new FluxConfig { HiddenSize = 768, NumHeads = 6, MlpHiddenSize = 3072, Depth = 4, DepthSingleBlocks = 8 }, 64, 64, 256),
            _ => throw new ArgumentException($"Unknown config '{name}' (tiny, mid).", nameof(name)),
        };
        var random = new Random(1234);
        var weights = new WeightSet { Source = $"random {name}" };
        foreach (var (tensorName, shape) in FluxTensorNames.Expected(config))
        {
            bool isScale = tensorName.EndsWith(".scale", StringComparison.Ordinal);
            float std = shape.Length == 2 ? 1f / MathF.Sqrt(shape[1]) : 0.02f;
            weights.Add(tensorName, Fill(shape, random, isScale ? 1f : 0f, std));
        }

        int li = h / 2 * (w / 2);
        return new FluxForwardCase(
            new FluxTransformer(config, weights),
            Fill([1, li, 64], random, 0, 1),
            LatentPacking.ImageIds(1, h, w),
            Fill([1, textTokens, config.ContextInDim], random, 0, 1),
            Tensor.Zeros([1, textTokens, 3]),
            Fill([1, config.VecInDim], random, 0, 1));
    }

    public Tensor Run() => _model.Forward(_img, _imgIds, _txt, _txtIds, _timesteps, _y);

    public void Dispose()
    {
        _model.Dispose();
        foreach (var t in (ReadOnlySpan<Tensor>)[_img, _imgIds, _txt, _txtIds, _y])
        {
            t.Dispose();
        }
    }

    private static Tensor Fill(int[] shape, Random random, float mean, float std)
    {
        var t = Tensor.Empty(shape);
        var span = t.AsSpan<float>();
        for (int i = 0; i < span.Length; i++)
        {
            // Box–Muller: benchmark data only needs a bell shape.
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            span[i] = mean + (std * (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2)));
        }

        return t;
    }
}
