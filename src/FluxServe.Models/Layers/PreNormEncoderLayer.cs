using FluxServe.Engine;
using FluxServe.Models.Checkpoints;

namespace FluxServe.Models.Layers;

/// <summary>
/// The pre-LN transformer encoder layer of HF's CLIP and SigLIP towers (<c>layer_norm1</c>, <c>self_attn.{q,k,v,out}_proj</c>,
/// <c>layer_norm2</c>, <c>mlp.fc1/fc2</c>): <c>x += attn(LN1(x))</c>, then <c>x += fc2(act(fc1(LN2(x))))</c>.
/// CLIP uses it causal with quick-GELU, SigLIP unmasked with tanh-GELU.
/// </summary>
internal sealed class PreNormEncoderLayer(WeightSet weights, string prefix, int heads, float layerNormEps, Activation activation, bool causal)
{
    private readonly Tensor _ln1Weight = weights[prefix + "layer_norm1.weight"];
    private readonly Tensor _ln1Bias = weights[prefix + "layer_norm1.bias"];
    private readonly LinearLayer _q = weights.Linear(prefix + "self_attn.q_proj");
    private readonly LinearLayer _k = weights.Linear(prefix + "self_attn.k_proj");
    private readonly LinearLayer _v = weights.Linear(prefix + "self_attn.v_proj");
    private readonly LinearLayer _out = weights.Linear(prefix + "self_attn.out_proj");
    private readonly Tensor _ln2Weight = weights[prefix + "layer_norm2.weight"];
    private readonly Tensor _ln2Bias = weights[prefix + "layer_norm2.bias"];
    private readonly LinearLayer _fc1 = weights.Linear(prefix + "mlp.fc1");
    private readonly LinearLayer _fc2 = weights.Linear(prefix + "mlp.fc2");

    public Tensor Forward(Tensor x)
    {
        float scale = 1f / MathF.Sqrt(_q.OutFeatures / heads);
        var h = x.LayerNorm(_ln1Weight, _ln1Bias, layerNormEps);
        var x1 = x + MultiHeadAttention.SelfAttention(h, _q, _k, _v, _out, heads, null, causal, scale);
        var h2 = x1.LayerNorm(_ln2Weight, _ln2Bias, layerNormEps);
        return x1 + _fc2.Forward(_fc1.Forward(h2, activation));
    }
}
