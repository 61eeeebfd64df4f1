using FluxServe.Engine;
using FluxServe.Engine.Cuda;
using FluxServe.Models.Checkpoints;

namespace FluxServe.GpuBench;

/// <summary>
/// Weight sets with a model's real names and shapes filled with random values: on the GPU directly (no 24 GB file to
/// read), or on the host (for the CPU/CUDA network comparison). Mirrors what the loaders produce: vectors (biases,
/// norm scales) float32, matrices and convolution kernels bf16, or fp8 e4m3 with a per-tensor scale.
/// </summary>
public static class RandomWeights
{
    /// <summary>Random weights made on the device: N(0, 1/fan_in) matrices, norm scales 1, small biases.</summary>
    public static WeightSet OnDevice(CudaBackend backend, IEnumerable<KeyValuePair<string, int[]>> expected, string source, bool fp8Matrices, ulong seed)
    {
        var weights = new WeightSet { Source = source };
        ulong stream = seed;
        foreach (var (name, shape) in expected)
        {
            stream++;
            if (shape.Length < 2)
            {
                var vector = backend.Allocate(shape, DType.F32, zero: false);
                if (IsNormScale(name))
                {
                    backend.FillValue(vector, 1f);
                }
                else
                {
                    backend.FillNormal(vector, stream, 0f, 0.02f);
                }

                weights.Add(name, vector.Detach());
                continue;
            }

            float std = 1f / MathF.Sqrt(FanIn(shape));
            bool fp8 = fp8Matrices && shape.Length == 2 && !IsTable(name) && shape[0] % 16 == 0 && shape[1] % 16 == 0;
            var matrix = backend.Allocate(shape, fp8 ? DType.F8E4M3FN : DType.BF16, zero: false);
            if (fp8)
            {
                // "Scaled fp8" as ComfyUI stores it: W = s · q with q ~ N(0, 1) in e4m3.
                backend.FillNormal(matrix, stream, 0f, 1f);
                weights.SetScale(name, std);
            }
            else
            {
                backend.FillNormal(matrix, stream, 0f, IsTable(name) ? 1f : std);
            }

            weights.Add(name, matrix.Detach());
        }

        return weights;
    }

    /// <summary>
    /// Random float32 weights on the host (matrices rounded to bf16, so a bf16 copy on the device holds the same
    /// values), and the same values on the device (matrices bf16, vectors float32).
    /// </summary>
    public static (WeightSet Host, WeightSet Device) Twin(CudaBackend backend, IEnumerable<KeyValuePair<string, int[]>> expected, string source, int seed)
    {
        var random = new Random(seed);
        var host = new WeightSet { Source = source + " (host)" };
        var device = new WeightSet { Source = source + " (cuda)" };
        foreach (var (name, shape) in expected)
        {
            var values = new float[Tensor.ComputeLength(shape)];
            float std = shape.Length < 2 ? 0.05f : IsTable(name) ? 1f : 1f / MathF.Sqrt(FanIn(shape));
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = shape.Length < 2 && IsNormScale(name) ? 1f + (0.1f * Normal(random)) : std * Normal(random);
            }

            var tensor = Tensor.FromArray(values, shape).Detach();
            if (shape.Length >= 2)
            {
                Round(tensor);
            }

            host.Add(name, tensor);
            var onDevice = backend.Copy(tensor, backend.Device);
            if (shape.Length >= 2)
            {
                var matrix = backend.Cast(onDevice, DType.BF16);
                onDevice.Dispose();
                onDevice = matrix;
            }

            device.Add(name, onDevice.Detach());
        }

        return (host, device);
    }

    private static void Round(Tensor t)
    {
        var span = t.AsSpan<float>();
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = FluxServe.Engine.Numerics.BFloat16Conversion.ToSingle(FluxServe.Engine.Numerics.BFloat16Conversion.FromSingle(span[i]));
        }
    }

    private static float Normal(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));

    private static long FanIn(int[] shape)
    {
        long fan = 1;
        for (int i = 1; i < shape.Length; i++)
        {
            fan *= shape[i];
        }

        return Math.Max(fan, 1);
    }

    // Norm scales are 1 in a fresh model; everything else that is a vector is a bias.
    private static bool IsNormScale(string name) =>
        (name.Contains("norm", StringComparison.Ordinal) || name.EndsWith(".scale", StringComparison.Ordinal)) && !name.EndsWith(".bias", StringComparison.Ordinal);

    // Embedding and bias tables are looked up, not multiplied: unit scale, never fp8.
    private static bool IsTable(string name) =>
        name.Contains("embed", StringComparison.Ordinal) || name.Contains("shared", StringComparison.Ordinal) || name.Contains("relative_attention_bias", StringComparison.Ordinal);
}
