using FluxServe.Engine;
using FluxServe.Engine.Cpu;
using FluxServe.Engine.Cuda;
using FluxServe.Models.Clip;
using FluxServe.Models.Flux;
using FluxServe.Models.T5;
using FluxServe.Models.Vae;

namespace FluxServe.GpuBench;

/// <summary>
/// The real networks (Models/) with tiny random weights, run on the CPU (the oracle, which the fixtures pin to the
/// PyTorch references) and on CUDA in float32 and bf16 modes; the relative L2 difference of each output must stay
/// under a bound. This is the fixtures' check carried over to the GPU until the fixture harness can switch backends.
/// </summary>
public sealed class NetworkCheck(TextWriter log)
{
    private const double Float32Bound = 1e-4;
    private const double BFloat16Bound = 4e-2;

    /// <summary>Runs every network in both modes; returns the number of failures.</summary>
    public int Run(BenchResults results)
    {
        int failures = 0;
        foreach (var activation in (DType[])[DType.F32, DType.BF16])
        {
            if (!CudaBackend.TryCreate(new CudaBackendOptions { ActivationDType = activation }, out var backend, out string reason))
            {
                log.WriteLine($"networks: no CUDA backend ({reason})");
                return 1;
            }

            backend.Register();
            double bound = activation == DType.F32 ? Float32Bound : BFloat16Bound;
            failures += Check("flux", activation, bound, results, () => Flux(backend));
            failures += Check("t5", activation, bound, results, () => T5(backend));
            failures += Check("clip", activation, bound, results, () => Clip(backend));
            failures += Check("vae-decode", activation, bound, results, () => VaeDecode(backend));
            backend.ClearParameterCache();
        }

        return failures;
    }

    private int Check(string name, DType activation, double bound, BenchResults results, Func<(Tensor Expected, Tensor Actual)> run)
    {
        try
        {
            var (expected, actual) = run();
            using (expected)
            using (actual)
            {
                double error = RelativeL2(expected.ToArray<float>(), actual.ToArray<float>());
                bool ok = error <= bound;
                log.WriteLine($"networks: {name} [{activation}] relative L2 vs CPU {error:G3} (bound {bound:G3}) {(ok ? "PASS" : "FAIL")}");
                results.Add($"networks.{name}.{activation}.relative_l2", error);
                return ok ? 0 : 1;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            log.WriteLine($"networks: {name} [{activation}] FAILED: {ex}");
            results.Add($"networks.{name}.{activation}.error", ex.Message);
            return 1;
        }
    }

    private static (Tensor, Tensor) Flux(CudaBackend backend)
    {
        var config = new FluxConfig { HiddenSize = 128, NumHeads = 2, MlpHiddenSize = 512, Depth = 2, DepthSingleBlocks = 2, ContextInDim = 64, VecInDim = 32, AxesDim = [8, 28, 28] };
        var (hostWeights, deviceWeights) = RandomWeights.Twin(backend, FluxTensorNames.Expected(config), "tiny FLUX", 1);
        using var cpuModel = new FluxTransformer(config, hostWeights);
        using var cudaModel = new FluxTransformer(config, deviceWeights);
        int side = 8, lt = 16;
        using var img = Random(2, 1, side * side, 64);
        using var txt = Random(3, 1, lt, 64);
        using var y = Random(4, 1, 32);
        using var imgIds = ImageIds(side);
        using var txtIds = Tensor.Zeros([1, lt, 3]);
        float[] t = [0.7f];
        var expected = cpuModel.Forward(img, imgIds, txt, txtIds, t, y);
        using var dimg = img.To(backend.Device);
        using var dtxt = txt.To(backend.Device);
        using var dy = y.To(backend.Device);
        using var dimgIds = imgIds.To(backend.Device);
        using var dtxtIds = txtIds.To(backend.Device);
        using var actual = cudaModel.Forward(dimg, dimgIds, dtxt, dtxtIds, t, dy);
        return (expected, ToHost(backend, actual));
    }

    private static (Tensor, Tensor) T5(CudaBackend backend)
    {
        var config = new T5Config { VocabSize = 100, DModel = 64, Heads = 4, DKv = 16, DFf = 128, Layers = 2 };
        var (hostWeights, deviceWeights) = RandomWeights.Twin(backend, T5Checkpoint.ExpectedTensors(config), "tiny T5", 5);
        using var cpuModel = new T5Encoder(config, hostWeights);
        using var cudaModel = new T5Encoder(config, deviceWeights);
        using var ids = Ids(6, 12, 100);
        var expected = cpuModel.Forward(ids);
        using var actual = cudaModel.Forward(ids);
        return (expected, ToHost(backend, actual));
    }

    private static (Tensor, Tensor) Clip(CudaBackend backend)
    {
        var config = new ClipTextConfig { VocabSize = 100, HiddenSize = 64, Layers = 2, Heads = 4, IntermediateSize = 128, MaxPositions = 16, EosTokenId = 99 };
        var (hostWeights, deviceWeights) = RandomWeights.Twin(backend, ClipTextCheckpoint.ExpectedTensors(config), "tiny CLIP", 7);
        using var cpuModel = new ClipTextEncoder(config, hostWeights);
        using var cudaModel = new ClipTextEncoder(config, deviceWeights);
        using var ids = Ids(8, 16, 99);
        ids.AsSpan<long>()[11] = 99;
        var (expected, expectedPooled) = cpuModel.Forward(ids);
        expectedPooled.Dispose();
        var (actual, actualPooled) = cudaModel.Forward(ids);
        actualPooled.Dispose();
        using (actual)
        {
            return (expected, ToHost(backend, actual));
        }
    }

    private static (Tensor, Tensor) VaeDecode(CudaBackend backend)
    {
        var config = new AutoEncoderConfig { Channels = 32, ChannelMultipliers = [1, 2], ResBlocks = 1, ZChannels = 4, Groups = 8 };
        var (hostWeights, deviceWeights) = RandomWeights.Twin(backend, AutoEncoderCheckpoint.ExpectedTensors(config), "tiny autoencoder", 9);
        using var cpuModel = new AutoEncoder(config, hostWeights);
        using var cudaModel = new AutoEncoder(config, deviceWeights);
        using var z = Random(10, 1, 4, 8, 8);
        var expected = cpuModel.Decode(z);
        using var dz = z.To(backend.Device);
        using var actual = cudaModel.Decode(dz);
        return (expected, ToHost(backend, actual));
    }

    private static Tensor ToHost(CudaBackend backend, Tensor device)
    {
        using var f32 = backend.Cast(device, DType.F32);
        return backend.Copy(f32, Device.Cpu);
    }

    private static Tensor Random(int seed, params int[] shape)
    {
        var random = new Random(seed);
        var data = new float[Tensor.ComputeLength(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)((random.NextDouble() * 2) - 1);
        }

        var t = Tensor.FromArray(data, shape);
        var span = t.AsSpan<float>();
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = FluxServe.Engine.Numerics.BFloat16Conversion.ToSingle(FluxServe.Engine.Numerics.BFloat16Conversion.FromSingle(span[i]));
        }

        return t;
    }

    private static Tensor Ids(int seed, int length, int vocab)
    {
        var random = new Random(seed);
        var ids = Tensor.Empty([1, length], DType.I64);
        for (int i = 0; i < length; i++)
        {
            ids.AsSpan<long>()[i] = random.Next(vocab - 1);
        }

        return ids;
    }

    // flux.sampling.prepare: [..., 1] = row, [..., 2] = column of each 2x2 patch.
    internal static Tensor ImageIds(int side)
    {
        var ids = Tensor.Zeros([1, side * side, 3]);
        var span = ids.AsSpan<float>();
        for (int r = 0; r < side; r++)
        {
            for (int c = 0; c < side; c++)
            {
                span[(((r * side) + c) * 3) + 1] = r;
                span[(((r * side) + c) * 3) + 2] = c;
            }
        }

        return ids;
    }

    private static double RelativeL2(float[] expected, float[] actual)
    {
        double error = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = (double)actual[i] - expected[i];
            error += d * d;
            norm += (double)expected[i] * expected[i];
        }

        return double.IsNaN(error) ? double.PositiveInfinity : Math.Sqrt(error / Math.Max(norm, 1e-30));
    }

    internal static CpuBackend Cpu => CpuBackend.Instance;
}
