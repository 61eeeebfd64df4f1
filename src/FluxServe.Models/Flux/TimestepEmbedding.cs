using FluxServe.Engine;

namespace FluxServe.Models.Flux;

/// <summary>The sinusoidal embedding of the timestep σ (and of the guidance scale), spec/flux-transformer.md §5.</summary>
public static class TimestepEmbedding
{
    private const float TimeFactor = 1000f;
    private const double MaxPeriod = 10000;

    /// <summary>
    /// [B] values → [B, dim] = [cos(args) ‖ sin(args)], args = float32(1000·t) · freq_j, freq_j = exp(−ln(10000)·j/half).
    /// </summary>
    /// <remarks>
    /// The references compute the argument in float32 and its rounding moves cos/sin by up to ~1e-4 at |arg| ≈ 1000, so
    /// the argument is rounded to float32 exactly as they do; cos/sin of that float are then taken in double.
    /// </remarks>
    public static Tensor Compute(ReadOnlySpan<float> t, int dim, Device device)
    {
        int half = dim / 2;
        var freqs = new float[half];
        float negLog = (float)-Math.Log(MaxPeriod);
        for (int j = 0; j < half; j++)
        {
            // PyTorch: (−ln P · arange(half, float32)) / half, each product and quotient rounded to float32.
            float exponent = negLog * j / half;
            freqs[j] = (float)Math.Exp(exponent);
        }

        var host = Tensor.Empty([t.Length, dim]);
        var data = host.AsSpan<float>();
        for (int b = 0; b < t.Length; b++)
        {
            float scaled = TimeFactor * t[b];
            var row = data.Slice(b * dim, dim);
            for (int j = 0; j < half; j++)
            {
                float arg = scaled * freqs[j];
                row[j] = (float)Math.Cos(arg);
                row[half + j] = (float)Math.Sin(arg);
            }

            row[(2 * half)..].Clear();
        }

        if (device.Kind == DeviceKind.Cpu)
        {
            return host;
        }

        using (host)
        {
            return host.To(device);
        }
    }
}
