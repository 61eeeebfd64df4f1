using FluxServe.Engine;

namespace FluxServe.Models.Flux;

/// <summary>Splitting fused qkv into heads, QK RMSNorm, RoPE and scaled dot-product attention (spec §7.1–7.3).</summary>
internal static class FluxAttention
{
    private const float NormEps = 1e-6f;

    /// <summary>qkv [B, L, 3·H·Dh] (feature = s·D + h·Dh + d) → q, k, v each [B, H, L, Dh], q and k RMS-normalised.</summary>
    public static (Tensor Q, Tensor K, Tensor V) SplitHeads(Tensor qkv, int heads, Tensor queryScale, Tensor keyScale)
    {
        int b = qkv.Dim(0), l = qkv.Dim(1), dh = qkv.Dim(2) / (3 * heads);
        using var split = qkv.Reshape(b, l, 3, heads, dh);
        using var perm = split.Permute(2, 0, 3, 1, 4);
        using var q = perm.Narrow0(0, 1);
        using var k = perm.Narrow0(1, 1);
        using var qh = q.Reshape(b, heads, l, dh);
        using var kh = k.Reshape(b, heads, l, dh);
        var v = perm.Narrow0(2, 1).Reshape(b, heads, l, dh);
        return (qh.RmsNorm(queryScale, NormEps), kh.RmsNorm(keyScale, NormEps), v);
    }

    /// <summary>RoPE on q and k, attention over all tokens, heads merged back: result [B, L, H·Dh].</summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor pe)
    {
        using var qr = q.Rope(pe);
        using var kr = k.Rope(pe);
        int b = q.Dim(0), h = q.Dim(1), l = q.Dim(2), dh = q.Dim(3);
        using var o = q.Backend.Attention(qr, kr, v, null, causal: false, scale: 1f / MathF.Sqrt(dh));
        using var merged = o.Permute(0, 2, 1, 3);
        return merged.Reshape(b, l, h * dh);
    }
}
