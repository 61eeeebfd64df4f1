using System.Diagnostics;
using System.Globalization;
using FluxServe.Engine;
using FluxServe.Models.Siglip;
using FluxServe.Pipelines.Imaging;
using FluxServe.Pipelines.Redux;

namespace FluxServe.Benchmarks;

/// <summary>
/// <c>redux-quick</c>: one Redux image request on the CPU backend with random weights in the real shapes
/// (<see cref="ReduxBenchmarkCase"/>), a 1024×768 8-bit RGB picture in, 729 bf16-rounded tokens of 4096 out. Each run
/// times the stages of that one request — <see cref="SiglipImageProcessor.ToPixels(RgbImage, SiglipPreprocessing, int)"/>
/// (ComfyUI mode), <see cref="SiglipVisionTower.Forward"/>, <see cref="ReduxConditioner.ImageTokens"/> (embedder and
/// bf16 rounding) — and the whole of it, freeing included; it prints the best and the median of each after a warm-up.
/// </summary>
/// <remarks>
/// Options: <c>--runs N</c> (5), <c>--weights F32,BF16</c> (both, one after the other, so only one model is in memory),
/// <c>--ops</c> to add a per-operation breakdown of one encoder layer (the profile that says where the tower's time
/// goes). The peer is <c>scripts/peers/bench_siglip_redux.py</c>: same shapes, same picture, same protocol, same table.
/// </remarks>
public static class ReduxQuick
{
    private const int Tokens = 729, Width = 1152, Heads = 16, Mlp = 4304, Layers = 27, Patch = 14;

    public static int Run(string[] args)
    {
        var options = Parse(args);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"redux-quick: fluxserve, {Environment.ProcessorCount} cores, {options.Runs} runs after 1 warm-up (best / median ms); image 1024x768 RGB8 -> ComfyUI 384 -> SigLIP so400m ({Layers} x {Width}, {Heads} heads, MLP {Mlp}) -> Redux 1152->12288->4096 -> bf16"));
        foreach (var dtype in options.Weights)
        {
            MeasureRequest(dtype, options.Runs);
        }

        if (options.Ops)
        {
            foreach (var dtype in options.Weights)
            {
                MeasureLayerOps(dtype, Math.Max(options.Runs, 5));
            }
        }

        return 0;
    }

    private static void MeasureRequest(DType dtype, int runs)
    {
        var build = Stopwatch.StartNew();
        using var bench = ReduxBenchmarkCase.Create(dtype);
        double buildSeconds = build.Elapsed.TotalSeconds;
        using var image = ReduxBenchmarkCase.CreateImage();
        var times = new double[4][];
        for (int s = 0; s < times.Length; s++)
        {
            times[s] = new double[runs];
        }

        RunRequest(bench, image, null, 0); // warm-up: JIT, the memory pool, page faults of the weights
        for (int r = 0; r < runs; r++)
        {
            RunRequest(bench, image, times, r);
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"weights {dtype}: {bench.WeightBytes / 1e9:F2} GB, built in {buildSeconds:F1} s"));
        Console.WriteLine("stage                          best ms   median ms   GFLOP/s (best)");
        double towerFlops = TowerFlops(), embedderFlops = EmbedderFlops();
        string[] names = ["preprocess (ComfyUI)", "SigLIP tower", "Redux embedder + bf16", "end to end"];
        double[] flops = [0, towerFlops, embedderFlops, towerFlops + embedderFlops];
        for (int s = 0; s < times.Length; s++)
        {
            Array.Sort(times[s]);
            double best = times[s][0], median = times[s][runs / 2];
            string rate = flops[s] > 0 ? (flops[s] / best / 1e6).ToString("F1", CultureInfo.InvariantCulture) : "-";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{names[s],-28} {best,10:F1} {median,11:F1}   {rate,14}"));
        }

        using var self = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"peak working set {self.PeakWorkingSet64 / 1e9:F2} GB (process so far), tensor memory live now {CpuStorage.LiveBytes / 1e9:F2} GB"));
    }

    private static void RunRequest(ReduxBenchmarkCase bench, RgbImage image, double[][]? times, int run)
    {
        long start = Stopwatch.GetTimestamp();
        var pixels = SiglipImageProcessor.ToPixels(image, SiglipPreprocessing.ComfyUi, bench.Tower.Config.ImageSize);
        long preprocessed = Stopwatch.GetTimestamp();
        var states = bench.Tower.Forward(pixels);
        long encoded = Stopwatch.GetTimestamp();
        var tokens = ReduxConditioner.ImageTokens(bench.Embedder, states, roundToBFloat16: true);
        long embedded = Stopwatch.GetTimestamp();
        bool shaped = tokens.Dim(1) == Tokens && tokens.Dim(2) == bench.Embedder.Config.ContextDim;
        tokens.Dispose();
        states.Dispose();
        pixels.Dispose();
        long end = Stopwatch.GetTimestamp();
        if (!shaped)
        {
            throw new InvalidOperationException($"Expected [1, {Tokens}, {bench.Embedder.Config.ContextDim}] Redux tokens.");
        }

        if (times is not null)
        {
            times[0][run] = Stopwatch.GetElapsedTime(start, preprocessed).TotalMilliseconds;
            times[1][run] = Stopwatch.GetElapsedTime(preprocessed, encoded).TotalMilliseconds;
            times[2][run] = Stopwatch.GetElapsedTime(encoded, embedded).TotalMilliseconds;
            times[3][run] = Stopwatch.GetElapsedTime(start, end).TotalMilliseconds;
        }
    }

    /// <summary>
    /// One encoder layer's operations at the tower's shapes, each timed on its own (result freed at once), with the
    /// count per layer, so that count·median·27 says where the tower's time goes.
    /// </summary>
    private static void MeasureLayerOps(DType dtype, int runs)
    {
        using var scope = TensorScope.Begin();
        var random = new Random(7);
        var x = RandomTensor([1, Tokens, Width], DType.F32, 1f, random);
        var lnWeight = RandomTensor([Width], DType.F32, 0.02f, random);
        var lnBias = RandomTensor([Width], DType.F32, 0.02f, random);
        var projection = RandomTensor([Width, Width], dtype, 1f / MathF.Sqrt(Width), random);
        var projectionBias = RandomTensor([Width], DType.F32, 0.02f, random);
        var fc1 = RandomTensor([Mlp, Width], dtype, 1f / MathF.Sqrt(Width), random);
        var fc1Bias = RandomTensor([Mlp], DType.F32, 0.02f, random);
        var fc2 = RandomTensor([Width, Mlp], dtype, 1f / MathF.Sqrt(Mlp), random);
        var fc2Bias = RandomTensor([Width], DType.F32, 0.02f, random);
        var hidden = RandomTensor([1, Tokens, Mlp], DType.F32, 1f, random);
        var q = RandomTensor([1, Heads, Tokens, Width / Heads], DType.F32, 1f, random);
        var k = RandomTensor([1, Heads, Tokens, Width / Heads], DType.F32, 1f, random);
        var v = RandomTensor([1, Heads, Tokens, Width / Heads], DType.F32, 1f, random);
        var q64 = RandomTensor([1, Width / 64, Tokens, 64], DType.F32, 1f, random);
        var pixels = RandomTensor([1, 3, 384, 384], DType.F32, 0.5f, random);
        var patchKernel = RandomTensor([Width, 3, Patch, Patch], dtype, 0.04f, random);
        var backend = x.Backend;
        float scale = 1f / MathF.Sqrt(Width / Heads);
        (string Name, int PerLayer, Func<Tensor> Op)[] ops =
        [
            ("layer_norm", 2, () => x.LayerNorm(lnWeight, lnBias, 1e-6f)),
            ("q/k/v/out linear 1152->1152", 4, () => x.Linear(projection, projectionBias)),
            ("split/merge heads (permute)", 4, () => x.Reshape(1, Tokens, Heads, Width / Heads).Permute(0, 2, 1, 3)),
            ("attention (16 x 729^2 x 72)", 1, () => backend.Attention(q, k, v, null, false, scale)),
            ("fc1 1152->4304 + gelu fused", 1, () => x.Linear(fc1, fc1Bias, Activation.GeluTanh)),
            ("fc2 4304->1152", 1, () => hidden.Linear(fc2, fc2Bias)),
            ("residual add", 2, () => x + x),
            ("(fc1 without gelu)", 0, () => x.Linear(fc1, fc1Bias)),
            ("(gelu_tanh alone, 729x4304)", 0, () => hidden.Activate(Activation.GeluTanh)),
            ("(attention 18 x 729^2 x 64)", 0, () => backend.Attention(q64, q64, q64, null, false, scale)),
            ("(patch conv, once per image)", 0, () => backend.Conv2d(pixels, patchKernel, projectionBias, Patch, 0)),
        ];

        Console.WriteLine();
        Console.WriteLine($"one encoder layer's operations, weights {dtype} (median of {runs}; x27 = per tower)");
        Console.WriteLine("op                              per layer   median ms   x count x 27 (ms)");
        double total = 0;
        foreach (var (name, perLayer, op) in ops)
        {
            op().Dispose();
            var t = new double[runs];
            for (int r = 0; r < runs; r++)
            {
                long start = Stopwatch.GetTimestamp();
                var y = op();
                t[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                y.Dispose();
            }

            Array.Sort(t);
            double tower = t[runs / 2] * perLayer * Layers;
            total += tower;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-32} {perLayer,9} {t[runs / 2],11:F2} {(perLayer > 0 ? tower.ToString("F0", CultureInfo.InvariantCulture) : "-"),20}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"sum over the 27 layers",-32} {"",9} {"",11} {total,20:F0}"));
    }

    private static Tensor RandomTensor(int[] shape, DType dtype, float std, Random random)
    {
        var values = new float[Tensor.ComputeLength(shape)];
        float spread = 2f * MathF.Sqrt(3f) * std;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = spread * (random.NextSingle() - 0.5f);
        }

        var t = Tensor.FromArray(values, shape);
        if (dtype == DType.F32)
        {
            return t;
        }

        var narrowed = t.Cast(dtype);
        t.Dispose();
        return narrowed;
    }

    // 2·M·N·K per matrix product: patch conv, per layer 4 projections, q·kᵀ and p·v over all heads, fc1 and fc2.
    private static double TowerFlops() =>
        (2.0 * Tokens * Width * 3 * Patch * Patch) +
        (Layers * ((4 * 2.0 * Tokens * Width * Width) + (2 * 2.0 * Tokens * Tokens * Width) + (2 * 2.0 * Tokens * Width * Mlp)));

    private static double EmbedderFlops() => 2.0 * Tokens * ((1152.0 * 12288) + (12288.0 * 4096));

    private static Options Parse(string[] args)
    {
        var options = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs" when i + 1 < args.Length:
                    options.Runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    ArgumentOutOfRangeException.ThrowIfLessThan(options.Runs, 1);
                    break;
                case "--weights" when i + 1 < args.Length:
                    options.Weights = Array.ConvertAll(args[++i].Split(','), s => Enum.Parse<DType>(s, ignoreCase: true));
                    break;
                case "--ops":
                    options.Ops = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown or incomplete option {args[i]} (--runs N, --weights F32,BF16, --ops).", nameof(args));
            }
        }

        return options;
    }

    private sealed class Options
    {
        public int Runs { get; set; } = 5;

        public DType[] Weights { get; set; } = [DType.F32, DType.BF16];

        public bool Ops { get; set; }
    }
}
