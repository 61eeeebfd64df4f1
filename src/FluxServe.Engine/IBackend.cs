namespace FluxServe.Engine;

/// <summary>
/// The operations networks are written against (DESIGN.md "Layers"). A backend implements operations, never
/// networks. Unless stated otherwise inputs are float32 activations, outputs are new contiguous tensors on the same
/// device, and the caller owns (and disposes) them.
/// </summary>
public interface IBackend
{
    /// <summary>The device this backend computes on.</summary>
    Device Device { get; }

    /// <summary>Allocates a tensor on this device, optionally zero-filled.</summary>
    Tensor Allocate(ReadOnlySpan<int> shape, DType dtype, bool zero);

    /// <summary>
    /// <c>act(x · Wᵀ + b)</c>, PyTorch's <c>Linear</c>. <paramref name="x"/> is [..., K] float32; <paramref name="weight"/>
    /// is [N, K] in its stored dtype (F32, BF16, F16, F8E4M3FN, F8E5M2: widened inside the GEMM);
    /// <paramref name="bias"/> is [N] or null. Result [..., N].
    /// </summary>
    Tensor Linear(Tensor x, Tensor weight, Tensor? bias, Activation activation = Activation.None);

    /// <summary>
    /// Batched matrix product <c>a · b</c> (or <c>a · bᵀ</c>): a [..., M, K], b [..., K, N] (or [..., N, K]) with
    /// equal leading dimensions. Result [..., M, N].
    /// </summary>
    Tensor MatMul(Tensor a, Tensor b, bool transposeB = false);

    /// <summary>
    /// Row lookup (PyTorch's <c>Embedding</c>): <paramref name="table"/> [V, D] in any float dtype, <paramref name="ids"/>
    /// I64 or I32 of any shape S with values in [0, V). Result S + [D], float32.
    /// </summary>
    Tensor Embedding(Tensor table, Tensor ids);

    /// <summary>LayerNorm over the last dimension; <paramref name="weight"/>/<paramref name="bias"/> [D] or null (no affine).</summary>
    Tensor LayerNorm(Tensor x, Tensor? weight, Tensor? bias, float eps);

    /// <summary>RMSNorm over the last dimension: x / sqrt(mean(x²) + eps) · weight.</summary>
    Tensor RmsNorm(Tensor x, Tensor weight, float eps);

    /// <summary>
    /// adaLN modulation <c>(1 + scale) · x + shift</c>: x [B, L, D], shift and scale [B, D] or [B, 1, D]
    /// (broadcast over the L tokens of each batch item).
    /// </summary>
    Tensor Modulate(Tensor x, Tensor shift, Tensor scale);

    /// <summary>
    /// FLUX RoPE (spec/flux-transformer.md): x [B, H, L, D] rotated in adjacent pairs (2j, 2j+1) by
    /// pe [B or 1, 1, L, D/2, 2, 2], where pe[..., j, :, :] is the matrix [[cos, −sin], [sin, cos]].
    /// </summary>
    Tensor Rope(Tensor x, Tensor pe);

    /// <summary>
    /// softmax(q·kᵀ·scale + bias [+ causal mask])·v. q [B, H, Lq, D], k and v [B, H, Lk, D]; bias broadcastable to
    /// [B, H, Lq, Lk] or null; <paramref name="causal"/> masks key j &gt; query i. Result [B, H, Lq, D].
    /// </summary>
    Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor? bias, bool causal, float scale);

    /// <summary>2-D convolution, NCHW: x [B, C, H, W], weight [O, C, kh, kw], bias [O] or null.</summary>
    Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int stride, int padding);

    /// <summary>GroupNorm over [B, C, ...] with <paramref name="groups"/> groups; weight/bias [C] or null.</summary>
    Tensor GroupNorm(Tensor x, int groups, Tensor? weight, Tensor? bias, float eps);

    /// <summary>Nearest-neighbour upsampling of [B, C, H, W] by an integer factor.</summary>
    Tensor UpsampleNearest(Tensor x, int factor);

    /// <summary>An element-wise activation.</summary>
    Tensor Activate(Tensor x, Activation activation);

    /// <summary>Softmax over the last dimension.</summary>
    Tensor Softmax(Tensor x);

    /// <summary>Element-wise <paramref name="op"/> with NumPy broadcasting of the two shapes.</summary>
    Tensor Binary(Tensor a, Tensor b, BinaryOp op);

    /// <summary><c>x · multiplier + addend</c> element-wise.</summary>
    Tensor Affine(Tensor x, float multiplier, float addend);

    /// <summary>Concatenation along <paramref name="dim"/>; all other dimensions must match.</summary>
    Tensor Concat(IReadOnlyList<Tensor> parts, int dim);

    /// <summary>Elements <paramref name="start"/>..<paramref name="start"/>+<paramref name="length"/> along <paramref name="dim"/>.</summary>
    Tensor Slice(Tensor x, int dim, int start, int length);

    /// <summary>Reorders dimensions: result dimension i is input dimension <paramref name="dims"/>[i].</summary>
    Tensor Permute(Tensor x, ReadOnlySpan<int> dims);

    /// <summary>Converts to another dtype; float narrowing rounds to nearest even.</summary>
    Tensor Cast(Tensor x, DType dtype);
}
