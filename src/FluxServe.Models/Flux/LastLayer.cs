using FluxServe.Engine;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Layers;

namespace FluxServe.Models.Flux;

/// <summary>The final adaLN layer (spec §7.6): (shift, scale) in BFL order, then Linear D → 64.</summary>
internal sealed class LastLayer(WeightSet weights)
{
    private const float LayerNormEps = 1e-6f;
    private readonly Modulation _adaLn = new(weights.Linear("final_layer.adaLN_modulation.1"), 2);
    private readonly LinearLayer _linear = weights.Linear("final_layer.linear");

    public Tensor Forward(Tensor img, Tensor vecSilu)
    {
        using var scope = TensorScope.Begin();
        var mod = _adaLn.Forward(vecSilu);
        var normed = img.LayerNorm(null, null, LayerNormEps);
        var modulated = normed.Modulate(mod[0], mod[1]);
        return _linear.Forward(modulated).Detach();
    }
}
