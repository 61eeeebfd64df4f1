using FluxServe.Engine;

namespace FluxServe.Models.Layers;

/// <summary>Head splitting and merging around the backend's attention, shared by the text encoders.</summary>
internal static class MultiHeadAttention
{
    /// <summary>[B, L, H·Dh] → [B, H, L, Dh].</summary>
    public static Tensor SplitHeads(Tensor x, int heads)
    {
        int b = x.Dim(0), l = x.Dim(1), dh = x.Dim(2) / heads;
        using var shaped = x.Reshape(b, l, heads, dh);
        return shaped.Permute(0, 2, 1, 3);
    }

    /// <summary>[B, H, L, Dh] → [B, L, H·Dh].</summary>
    public static Tensor MergeHeads(Tensor x)
    {
        int b = x.Dim(0), h = x.Dim(1), l = x.Dim(2), dh = x.Dim(3);
        using var perm = x.Permute(0, 2, 1, 3);
        return perm.Reshape(b, l, h * dh);
    }

    /// <summary>Self-attention of <paramref name="x"/> [B, L, D] with separate q/k/v/out projections.</summary>
    public static Tensor SelfAttention(
        Tensor x, LinearLayer q, LinearLayer k, LinearLayer v, LinearLayer output, int heads, Tensor? bias, bool causal, float scale)
    {
        using var scope = TensorScope.Begin();
        var qh = SplitHeads(q.Forward(x), heads);
        var kh = SplitHeads(k.Forward(x), heads);
        var vh = SplitHeads(v.Forward(x), heads);
        var attended = x.Backend.Attention(qh, kh, vh, bias, causal, scale);
        return output.Forward(MergeHeads(attended)).Detach();
    }
}
