namespace FluxServe.Engine;

/// <summary>Operation shorthands that forward to the tensor's <see cref="Backend"/>; networks read like the paper.</summary>
public sealed partial class Tensor
{
    /// <inheritdoc cref="IBackend.Linear"/>
    public Tensor Linear(Tensor weight, Tensor? bias = null, Activation activation = Activation.None) =>
        Backend.Linear(this, weight, bias, activation);

    /// <inheritdoc cref="IBackend.MatMul"/>
    public Tensor MatMul(Tensor other, bool transposeB = false) => Backend.MatMul(this, other, transposeB);

    /// <inheritdoc cref="IBackend.LayerNorm"/>
    public Tensor LayerNorm(Tensor? weight, Tensor? bias, float eps) => Backend.LayerNorm(this, weight, bias, eps);

    /// <inheritdoc cref="IBackend.RmsNorm"/>
    public Tensor RmsNorm(Tensor weight, float eps) => Backend.RmsNorm(this, weight, eps);

    /// <inheritdoc cref="IBackend.Modulate"/>
    public Tensor Modulate(Tensor shift, Tensor scale) => Backend.Modulate(this, shift, scale);

    /// <inheritdoc cref="IBackend.Rope"/>
    public Tensor Rope(Tensor pe) => Backend.Rope(this, pe);

    /// <inheritdoc cref="IBackend.Activate"/>
    public Tensor Activate(Activation activation) => Backend.Activate(this, activation);

    /// <inheritdoc cref="IBackend.Softmax"/>
    public Tensor Softmax() => Backend.Softmax(this);

    /// <inheritdoc cref="IBackend.Affine"/>
    public Tensor Affine(float multiplier, float addend) => Backend.Affine(this, multiplier, addend);

    /// <inheritdoc cref="IBackend.Slice"/>
    public Tensor Slice(int dim, int start, int length) => Backend.Slice(this, dim, start, length);

    /// <inheritdoc cref="IBackend.Permute"/>
    public Tensor Permute(params ReadOnlySpan<int> dims) => Backend.Permute(this, dims);

    /// <inheritdoc cref="IBackend.Cast"/>
    public Tensor Cast(DType dtype) => Backend.Cast(this, dtype);

    /// <summary>Element-wise sum with broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Binary(a, b, BinaryOp.Add);

    /// <summary>Element-wise difference with broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Binary(a, b, BinaryOp.Subtract);

    /// <summary>Element-wise product with broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Binary(a, b, BinaryOp.Multiply);

    /// <summary>Element-wise quotient with broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Binary(a, b, BinaryOp.Divide);

    /// <summary>Splits dimension <paramref name="dim"/> into <paramref name="chunks"/> equal parts (copies).</summary>
    public Tensor[] Chunk(int chunks, int dim)
    {
        int d = NormalizeDim(dim, Rank);
        int size = _shape[d];
        if (chunks <= 0 || size % chunks != 0)
        {
            throw new ArgumentException($"Dimension {dim} of {FormatShape(Shape)} does not split into {chunks} equal chunks.", nameof(chunks));
        }

        int step = size / chunks;
        var parts = new Tensor[chunks];
        for (int i = 0; i < chunks; i++)
        {
            parts[i] = Slice(d, i * step, step);
        }

        return parts;
    }

    private static Tensor Binary(Tensor a, Tensor b, BinaryOp op)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a.Backend.Binary(a, b, op);
    }
}
