using System.Diagnostics;
using FluxServe.Engine;
using FluxServe.Engine.Cuda;
using FluxServe.Models.Flux;

namespace FluxServe.GpuBench;

/// <summary>
/// One FLUX.1-schnell transformer step (12B parameters, random weights made on the GPU) at the benchmark's size:
/// per-step device time, peak memory, and MFU from the step's FLOP count (<see cref="StepFlop"/>).
/// </summary>
/// <remarks>
/// The often-quoted 69.5 TFLOP per 1024×1024 schnell step is this count with 256 text tokens (schnell's T5 length);
/// with the 512 tokens of FLUX.1-dev it is 74.4 TFLOP. MFU uses the count for the shape actually run.
/// </remarks>
public sealed class FluxStepBench(TextWriter log)
{
    /// <summary>FLOP of one schnell step at 1024×1024 with 256 text tokens.</summary>
    public const double ReferenceStepFlop = 69.5e12;

    public void Run(CudaBackend backend, BenchSettings settings, BenchResults results, double peakFlops)
    {
        var config = settings.Tiny
            ? new FluxConfig { HiddenSize = 128, NumHeads = 2, MlpHiddenSize = 512, Depth = 2, DepthSingleBlocks = 2, ContextInDim = 64, VecInDim = 32, AxesDim = [8, 28, 28] }
            : new FluxConfig();
        int side = settings.ImageSize / 16;
        int li = side * side, lt = settings.TextTokens;
        backend.ResetPeakMemory();
        var clock = Stopwatch.StartNew();
        var weights = RandomWeights.OnDevice(backend, FluxTensorNames.Expected(config), "random FLUX.1-schnell", settings.Fp8, 1000);
        backend.Synchronize();
        log.WriteLine($"flux: random weights ({(settings.Fp8 ? "fp8 e4m3 + scales" : "bf16")}) made on the device in {clock.Elapsed.TotalSeconds:F1} s, {BenchStatistics.Gib(backend.LiveBytes)} live");
        results.Add("flux.weights_gib", backend.LiveBytes / (double)(1L << 30));

        using var model = new FluxTransformer(config, weights);
        using var img = Upload(backend, Noise(1, 1, li, config.InChannels), backend.ActivationDType);
        using var txt = Upload(backend, Noise(2, 1, lt, config.ContextInDim), backend.ActivationDType);
        using var y = Upload(backend, Noise(3, 1, config.VecInDim), backend.ActivationDType);
        using var imgIds = Upload(backend, NetworkCheck.ImageIds(side), DType.F32);
        using var txtIds = Upload(backend, Tensor.Zeros([1, lt, 3]), DType.F32);
        float[] t = [1f];

        var times = new List<double>();
        var walls = new List<double>();
        for (int step = 0; step < settings.Warmup + settings.Steps; step++)
        {
            var wall = Stopwatch.StartNew();
            using var timer = backend.StartTimer();
            using var velocity = model.Forward(img, imgIds, txt, txtIds, t, y);
            double ms = timer.Stop();
            wall.Stop();
            if (step >= settings.Warmup)
            {
                times.Add(ms);
                walls.Add(wall.Elapsed.TotalMilliseconds);
            }
            else
            {
                log.WriteLine($"flux: warm-up step {step + 1}: {ms:F1} ms");
            }
        }

        double median = BenchStatistics.Median(times);
        double ownFlop = StepFlop(config, li, lt);
        double mfu = ownFlop / (median / 1e3) / peakFlops;
        log.WriteLine($"flux: step ({li}+{lt} tokens, {backend.ActivationDType}{(settings.Fp8 ? ", fp8 weights" : string.Empty)}): {BenchStatistics.Describe(times)}; host wall median {BenchStatistics.Median(walls):F2} ms");
        log.WriteLine($"flux: {ownFlop / 1e12:F1} TFLOP/step at this shape → {ownFlop / (median / 1e3) / 1e12:F0} TFLOP/s, MFU {mfu:P1} of {peakFlops / 1e12:F0} TFLOP/s (69.5 TFLOP = the 4096+256-token step)");
        log.WriteLine($"flux: peak memory {BenchStatistics.Gib(backend.PeakBytes)} in tensors, pool high-water {BenchStatistics.Gib(backend.PoolPeakBytes)}; {backend.GemmPlanCount} cuBLASLt plans");
        results.Add("flux.step_ms_median", median);
        results.Add("flux.step_ms_min", times.Min());
        results.Add("flux.host_wall_ms_median", BenchStatistics.Median(walls));
        results.Add("flux.mfu", mfu);
        results.Add("flux.tflops", ownFlop / (median / 1e3) / 1e12);
        results.Add("flux.own_flop_count_tflop", ownFlop / 1e12);
        results.Add("flux.peak_tensor_gib", backend.PeakBytes / (double)(1L << 30));
        results.Add("flux.pool_peak_gib", backend.PoolPeakBytes / (double)(1L << 30));

        // A CUDA graph of the whole step: expected to fail while the network builds its RoPE table and timestep
        // embedding on the host every call (a copy to and from the host cannot be captured); reported either way.
        try
        {
            Tensor? captured = null;
            using var graph = backend.Capture(() => captured = model.Forward(img, imgIds, txt, txtIds, t, y));
            var replays = new List<double>();
            for (int i = 0; i < settings.Steps; i++)
            {
                using var timer = backend.StartTimer();
                graph.Launch();
                replays.Add(timer.Stop());
            }

            captured?.Dispose();
            log.WriteLine($"flux: CUDA graph replay: {BenchStatistics.Describe(replays)}");
            results.Add("flux.graph_step_ms_median", BenchStatistics.Median(replays));
        }
        catch (Exception ex) when (ex is CudaException or InvalidOperationException or ArgumentException)
        {
            log.WriteLine($"flux: CUDA graph capture of Forward not possible yet: {ex.Message.Split('\n')[0]}");
            results.Add("flux.graph", "not capturable: " + ex.Message.Split('\n')[0]);
            backend.Synchronize();
        }
    }

    /// <summary>Matrix-product and attention FLOP of one step (2·M·N·K per product, 4·L²·D per attention).</summary>
    public static double StepFlop(FluxConfig config, int imageTokens, int textTokens)
    {
        double d = config.HiddenSize, mlp = config.MlpHiddenSize, l = imageTokens + textTokens;
        double doubleLinear = 2 * l * ((4 * d * d) + (2 * d * mlp));
        double singleLinear = 2 * l * ((d * ((3 * d) + mlp)) + ((d + mlp) * d));
        double attention = 4 * l * l * d;
        double embed = (2.0 * imageTokens * config.InChannels * d) + (2.0 * textTokens * config.ContextInDim * d) + (2.0 * imageTokens * d * config.InChannels);
        return (config.Depth * (doubleLinear + attention)) + (config.DepthSingleBlocks * (singleLinear + attention)) + embed;
    }

    internal static Tensor Noise(int seed, params int[] shape)
    {
        var random = new Random(seed);
        var data = new float[Tensor.ComputeLength(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return Tensor.FromArray(data, shape);
    }

    internal static Tensor Upload(CudaBackend backend, Tensor host, DType dtype)
    {
        using (host)
        {
            using var device = backend.Copy(host, backend.Device);
            return dtype == DType.F32 ? backend.Copy(device, backend.Device) : backend.Cast(device, dtype);
        }
    }
}
