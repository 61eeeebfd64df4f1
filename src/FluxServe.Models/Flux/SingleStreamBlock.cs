using FluxServe.Engine;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Layers;

namespace FluxServe.Models.Flux;

/// <summary>
/// A single-stream block, spec/flux-transformer.md §7.5: attention and MLP in parallel from one fused
/// <c>linear1</c> ([q | k | v | mlp-in]), merged by <c>linear2</c> over [attention ‖ gelu(mlp)].
/// </summary>
internal sealed class SingleStreamBlock(WeightSet weights, string prefix, int heads, int hidden, int mlpHidden)
{
    private const float LayerNormEps = 1e-6f;
    private readonly Modulation _mod = new(weights.Linear(prefix + ".modulation.lin"), 3);
    private readonly LinearLayer _linear1 = weights.Linear(prefix + ".linear1");
    private readonly LinearLayer _linear2 = weights.Linear(prefix + ".linear2");
    private readonly Tensor _queryScale = weights[prefix + ".norm.query_norm.scale"];
    private readonly Tensor _keyScale = weights[prefix + ".norm.key_norm.scale"];

    public Tensor Forward(Tensor x, Tensor vecSilu, Tensor pe)
    {
        using var scope = TensorScope.Begin();
        var mod = _mod.Forward(vecSilu); // shift, scale, gate
        var normed = x.LayerNorm(null, null, LayerNormEps);
        var modulated = normed.Modulate(mod[0], mod[1]);
        var fused = _linear1.Forward(modulated);
        var qkv = fused.Slice(-1, 0, 3 * hidden);
        var mlp = fused.Slice(-1, 3 * hidden, mlpHidden);
        var (q, k, v) = FluxAttention.SplitHeads(qkv, heads, _queryScale, _keyScale);
        var attn = FluxAttention.Attend(q, k, v, pe);
        var act = mlp.Activate(Activation.GeluTanh);
        var merged = x.Backend.Concat([attn, act], -1);
        var output = _linear2.Forward(merged);
        return (x + (mod[2] * output)).Detach();
    }
}
