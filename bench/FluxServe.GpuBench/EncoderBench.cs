using FluxServe.Engine;
using FluxServe.Engine.Cuda;
using FluxServe.Models.Clip;
using FluxServe.Models.T5;
using FluxServe.Models.Vae;

namespace FluxServe.GpuBench;

/// <summary>T5-XXL encode, CLIP-L encode and the autoencoder's decode at the benchmark's shapes, random weights on the GPU.</summary>
public sealed class EncoderBench(TextWriter log)
{
    public void T5(CudaBackend backend, BenchSettings settings, BenchResults results)
    {
        var config = settings.Tiny ? new T5Config { VocabSize = 100, DModel = 64, Heads = 4, DKv = 16, DFf = 128, Layers = 2 } : new T5Config();
        backend.ResetPeakMemory();
        using var model = new T5Encoder(config, RandomWeights.OnDevice(backend, T5Checkpoint.ExpectedTensors(config), "random T5-XXL", fp8Matrices: false, 2000));
        using var ids = Ids(config.VocabSize, settings.TextTokens, 11);
        var times = Time(backend, settings, () => model.Forward(ids));
        Report("t5", $"T5-XXL encode of {settings.TextTokens} tokens", backend, times, results);
    }

    public void Clip(CudaBackend backend, BenchSettings settings, BenchResults results)
    {
        var config = settings.Tiny ? new ClipTextConfig { VocabSize = 100, HiddenSize = 64, Layers = 2, Heads = 4, IntermediateSize = 128, MaxPositions = 16, EosTokenId = 99 } : new ClipTextConfig();
        backend.ResetPeakMemory();
        using var model = new ClipTextEncoder(config, RandomWeights.OnDevice(backend, ClipTextCheckpoint.ExpectedTensors(config), "random CLIP-L", fp8Matrices: false, 3000));
        using var ids = Ids(config.VocabSize, config.MaxPositions, 12);
        var times = Time(backend, settings, () =>
        {
            var (hidden, pooled) = model.Forward(ids);
            hidden.Dispose();
            return pooled;
        });
        Report("clip", "CLIP-L encode of 77 tokens", backend, times, results);
    }

    public void VaeDecode(CudaBackend backend, BenchSettings settings, BenchResults results)
    {
        var config = settings.Tiny ? new AutoEncoderConfig { Channels = 32, ChannelMultipliers = [1, 2], ResBlocks = 1, ZChannels = 4, Groups = 8 } : new AutoEncoderConfig();
        backend.ResetPeakMemory();
        using var model = new AutoEncoder(config, RandomWeights.OnDevice(backend, AutoEncoderCheckpoint.ExpectedTensors(config), "random FLUX autoencoder", fp8Matrices: false, 4000));
        int side = settings.ImageSize / config.SpatialFactor;
        using var z = FluxStepBench.Upload(backend, FluxStepBench.Noise(13, 1, config.ZChannels, side, side), backend.ActivationDType);
        var times = Time(backend, settings, () => model.Decode(z));
        Report("vae", $"autoencoder decode {side}x{side} → {settings.ImageSize}x{settings.ImageSize}", backend, times, results);
    }

    private static List<double> Time(CudaBackend backend, BenchSettings settings, Func<Tensor> run)
    {
        var times = new List<double>();
        for (int i = 0; i < Math.Max(settings.Warmup - 1, 1) + Math.Max(settings.Steps - 2, 3); i++)
        {
            using var timer = backend.StartTimer();
            using var output = run();
            double ms = timer.Stop();
            if (i >= Math.Max(settings.Warmup - 1, 1))
            {
                times.Add(ms);
            }
        }

        return times;
    }

    private void Report(string key, string what, CudaBackend backend, List<double> times, BenchResults results)
    {
        log.WriteLine($"{key}: {what} ({backend.ActivationDType}): {BenchStatistics.Describe(times)}; peak {BenchStatistics.Gib(backend.PeakBytes)} in tensors, pool high-water {BenchStatistics.Gib(backend.PoolPeakBytes)}");
        results.Add($"{key}.ms_median", BenchStatistics.Median(times));
        results.Add($"{key}.peak_tensor_gib", backend.PeakBytes / (double)(1L << 30));
    }

    private static Tensor Ids(int vocab, int length, int seed)
    {
        var random = new Random(seed);
        var ids = Tensor.Empty([1, length], DType.I64);
        for (int i = 0; i < length; i++)
        {
            ids.AsSpan<long>()[i] = random.Next(vocab);
        }

        return ids;
    }
}
