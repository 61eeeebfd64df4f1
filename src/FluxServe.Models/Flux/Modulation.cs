using FluxServe.Engine;
using FluxServe.Models.Layers;

namespace FluxServe.Models.Flux;

/// <summary>
/// adaLN modulation (spec §6): <c>Linear(silu(vec))</c> split into <c>k</c> chunks of D, each shaped [B, 1, D] so it
/// broadcasts over tokens. Takes <c>silu(vec)</c>, computed once per forward for all blocks.
/// </summary>
internal sealed class Modulation(LinearLayer linear, int chunks)
{
    public Tensor[] Forward(Tensor vecSilu)
    {
        using var all = linear.Forward(vecSilu);
        int batch = all.Dim(0);
        int d = all.Dim(1) / chunks;
        using var shaped = all.Reshape(batch, 1, chunks * d);
        return shaped.Chunk(chunks, -1);
    }
}
