using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Flux;

namespace FluxServe.Benchmarks;

/// <summary>Random tensors and LoRA files for the LoRA benchmarks.</summary>
public static class LoraBenchmarkData
{
    /// <summary>A float32 tensor of normal samples (Box–Muller; benchmark data only needs a bell shape).</summary>
    public static Tensor Normal(int[] shape, Random random, float mean, float std)
    {
        ArgumentNullException.ThrowIfNull(random);
        var t = Tensor.Empty(shape);
        var span = t.AsSpan<float>();
        for (int i = 0; i < span.Length; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            span[i] = mean + (std * (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2)));
        }

        return t;
    }

    /// <summary>A kohya-style BF16 LoRA of rank <paramref name="rank"/> (alpha = rank) on every Linear of <paramref name="config"/>.</summary>
    public static string WriteKohyaLora(string path, FluxConfig config, int rank, Random random)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        try
        {
            foreach (var (name, shape) in FluxTensorNames.Expected(config))
            {
                if (shape.Length != 2)
                {
                    continue;
                }

                string stem = "lora_unet_" + name[..^".weight".Length].Replace('.', '_');
                tensors.Add(new(stem + ".lora_down.weight", Bf16([rank, shape[1]], random, 1f / MathF.Sqrt(shape[1]))));
                tensors.Add(new(stem + ".lora_up.weight", Bf16([shape[0], rank], random, 0.01f)));
                tensors.Add(new(stem + ".alpha", Bf16([], random, 0f, rank)));
            }

            SafetensorsWriter.Write(path, tensors);
            return path;
        }
        finally
        {
            foreach (var (_, t) in tensors)
            {
                t.Dispose();
            }
        }
    }

    private static Tensor Bf16(int[] shape, Random random, float std, float mean = 0f)
    {
        using var f32 = Normal(shape, random, mean, std);
        return f32.Cast(DType.BF16);
    }
}
