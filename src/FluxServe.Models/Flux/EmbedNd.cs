using FluxServe.Engine;

namespace FluxServe.Models.Flux;

/// <summary>
/// The 3-axis RoPE table (spec/flux-transformer.md §8): ids [B, L, 3] → pe [B, 1, L, Dh/2, 2, 2], where entry
/// [.., j, :, :] is the rotation [[cos θ, −sin θ], [sin θ, cos θ]] of pair j.
/// </summary>
public static class EmbedNd
{
    /// <summary>Builds the table on the host and moves it to <paramref name="device"/>.</summary>
    /// <remarks>Angles p·ω are formed in double (ω = θ^(−2k/d) as ComfyUI and diffusers do) and cos/sin rounded to float32.</remarks>
    public static Tensor Compute(Tensor ids, IReadOnlyList<int> axesDim, double theta, Device device)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(axesDim);
        if (ids.Rank != 3 || ids.Dim(2) != axesDim.Count)
        {
            throw new ArgumentException($"Position ids must be [B, L, {axesDim.Count}], got {Tensor.FormatShape(ids.Shape)}.", nameof(ids));
        }

        int batch = ids.Dim(0), length = ids.Dim(1), axes = axesDim.Count;
        int pairs = 0;
        foreach (int d in axesDim)
        {
            pairs += d / 2;
        }

        // ω per pair, and which axis each pair reads.
        var omega = new double[pairs];
        var axisOf = new int[pairs];
        for (int a = 0, j = 0; a < axes; a++)
        {
            int d = axesDim[a];
            for (int k = 0; k < d / 2; k++, j++)
            {
                omega[j] = 1.0 / Math.Pow(theta, 2.0 * k / d);
                axisOf[j] = a;
            }
        }

        using var hostIds = ids.Device.Kind == DeviceKind.Cpu ? ids.Reshape(ids.Shape) : ids.To(Device.Cpu);
        var pos = hostIds.AsSpan<float>();
        var pe = Tensor.Empty([batch, 1, length, pairs, 2, 2]);
        var table = pe.AsSpan<float>();
        for (int b = 0; b < batch; b++)
        {
            for (int l = 0; l < length; l++)
            {
                var p = pos.Slice(((b * length) + l) * axes, axes);
                var row = table.Slice(((b * length) + l) * pairs * 4, pairs * 4);
                for (int j = 0; j < pairs; j++)
                {
                    double angle = p[axisOf[j]] * omega[j];
                    float c = (float)Math.Cos(angle), s = (float)Math.Sin(angle);
                    row[(4 * j) + 0] = c;
                    row[(4 * j) + 1] = -s;
                    row[(4 * j) + 2] = s;
                    row[(4 * j) + 3] = c;
                }
            }
        }

        if (device.Kind == DeviceKind.Cpu)
        {
            return pe;
        }

        using (pe)
        {
            return pe.To(device);
        }
    }
}
