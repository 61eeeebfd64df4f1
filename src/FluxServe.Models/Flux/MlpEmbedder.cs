using FluxServe.Engine;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Layers;

namespace FluxServe.Models.Flux;

/// <summary><c>out_layer(silu(in_layer(x)))</c>: the time, guidance and vector embedders.</summary>
internal sealed class MlpEmbedder(WeightSet weights, string prefix)
{
    private readonly LinearLayer _in = weights.Linear(prefix + ".in_layer");
    private readonly LinearLayer _out = weights.Linear(prefix + ".out_layer");

    public Tensor Forward(Tensor x)
    {
        using var h = _in.Forward(x, Activation.SiLU);
        return _out.Forward(h);
    }
}
