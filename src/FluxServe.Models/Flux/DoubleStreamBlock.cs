using FluxServe.Engine;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Layers;

namespace FluxServe.Models.Flux;

/// <summary>
/// A double-stream (MMDiT) block, spec/flux-transformer.md §7.4: image and text streams with their own weights,
/// joint attention over [text ‖ image], gated residuals.
/// </summary>
internal sealed class DoubleStreamBlock
{
    private const float LayerNormEps = 1e-6f;
    private readonly int _heads;
    private readonly Stream _img;
    private readonly Stream _txt;

    public DoubleStreamBlock(WeightSet weights, string prefix, int heads)
    {
        _heads = heads;
        _img = new Stream(weights, prefix + ".img");
        _txt = new Stream(weights, prefix + ".txt");
    }

    public (Tensor Img, Tensor Txt) Forward(Tensor img, Tensor txt, Tensor vecSilu, Tensor pe)
    {
        using var scope = TensorScope.Begin();
        var imgMod = _img.Mod.Forward(vecSilu);
        var txtMod = _txt.Mod.Forward(vecSilu);

        var (iq, ik, iv) = _img.Qkv(img, imgMod, _heads);
        var (tq, tk, tv) = _txt.Qkv(txt, txtMod, _heads);
        var q = img.Backend.Concat([tq, iq], 2);
        var k = img.Backend.Concat([tk, ik], 2);
        var v = img.Backend.Concat([tv, iv], 2);
        var attn = FluxAttention.Attend(q, k, v, pe);
        int lt = txt.Dim(1);
        var txtAttn = attn.Slice(1, 0, lt);
        var imgAttn = attn.Slice(1, lt, img.Dim(1));

        var imgOut = _img.Finish(img, imgAttn, imgMod);
        var txtOut = _txt.Finish(txt, txtAttn, txtMod);
        return (imgOut.Detach(), txtOut.Detach());
    }

    /// <summary>The weights of one stream (img or txt) of the block.</summary>
    private sealed class Stream(WeightSet weights, string prefix)
    {
        public Modulation Mod { get; } = new(weights.Linear(prefix + "_mod.lin"), 6);

        private readonly LinearLayer _qkv = weights.Linear(prefix + "_attn.qkv");
        private readonly Tensor _queryScale = weights[prefix + "_attn.norm.query_norm.scale"];
        private readonly Tensor _keyScale = weights[prefix + "_attn.norm.key_norm.scale"];
        private readonly LinearLayer _proj = weights.Linear(prefix + "_attn.proj");
        private readonly LinearLayer _mlpIn = weights.Linear(prefix + "_mlp.0");
        private readonly LinearLayer _mlpOut = weights.Linear(prefix + "_mlp.2");

        // mod = (shift1, scale1, gate1, shift2, scale2, gate2), each [B, 1, D].
        public (Tensor Q, Tensor K, Tensor V) Qkv(Tensor x, Tensor[] mod, int heads)
        {
            var normed = x.LayerNorm(null, null, LayerNormEps);
            var modulated = normed.Modulate(mod[0], mod[1]);
            var qkv = _qkv.Forward(modulated);
            return FluxAttention.SplitHeads(qkv, heads, _queryScale, _keyScale);
        }

        public Tensor Finish(Tensor x, Tensor attn, Tensor[] mod)
        {
            var projected = _proj.Forward(attn);
            var x1 = x + (mod[2] * projected);
            var normed = x1.LayerNorm(null, null, LayerNormEps);
            var modulated = normed.Modulate(mod[3], mod[4]);
            var hidden = _mlpIn.Forward(modulated, Activation.GeluTanh);
            var mlp = _mlpOut.Forward(hidden);
            return x1 + (mod[5] * mlp);
        }
    }
}
