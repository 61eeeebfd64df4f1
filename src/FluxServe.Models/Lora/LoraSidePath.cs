using FluxServe.Engine;
using FluxServe.Models.Layers;

namespace FluxServe.Models.Lora;

/// <summary>
/// One term of a layer's adaptation, applied next to the base weight: <see cref="Delta(Tensor, float)"/> is what it adds to the
/// layer's output (before the activation) for a strength, and <see cref="AddWeightDelta"/>/<see cref="AddBiasDelta"/>
/// are the same term as a change of the weight and bias, for merging (spec/lora.md §1).
/// </summary>
internal abstract class LoraSidePath : IDisposable
{
    protected LoraSidePath(int outFeatures, int inFeatures)
    {
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
    }

    /// <summary>Rows of the layer's weight.</summary>
    public int OutFeatures { get; }

    /// <summary>Columns of the layer's weight.</summary>
    public int InFeatures { get; }

    /// <summary>The device the path's tensors live on.</summary>
    public abstract Device Device { get; }

    /// <summary>Bytes held by the path's own tensors (views of a file count too).</summary>
    public abstract long ByteLength { get; }

    /// <summary>The term for input <paramref name="x"/> [..., in]: a tensor that broadcasts against the output [..., out].</summary>
    public abstract Tensor Delta(Tensor x, float strength);

    /// <summary>
    /// The term for a call of <paramref name="layer"/>, whose base output (with bias, before the activation) is
    /// <paramref name="baseOutput"/>. Only terms that depend on the base weight (DoRA) need more than <paramref name="x"/>.
    /// </summary>
    public virtual Tensor Delta(Tensor x, Tensor baseOutput, LinearLayer layer, float strength) => Delta(x, strength);

    /// <summary>
    /// Adds <c>strength · ΔW</c> to a row-major float32 [out, in] weight; <paramref name="baseWeight"/> is the layer's
    /// weight before any adapter (only DoRA reads it).
    /// </summary>
    public abstract void AddWeightDelta(Span<float> weight, ReadOnlySpan<float> baseWeight, float strength);

    /// <summary>Adds <c>strength · Δb</c> to a float32 [out] bias (most paths change only the weight).</summary>
    public virtual void AddBiasDelta(Span<float> bias, float strength)
    {
    }

    /// <summary>True when <see cref="AddBiasDelta"/> changes the bias.</summary>
    public virtual bool ChangesBias => false;

    /// <summary>A copy on <paramref name="device"/>.</summary>
    public abstract LoraSidePath To(Device device);

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);

    /// <summary>
    /// Places a term computed for a slice of rows (<paramref name="delta"/> [..., rows]) into the layer's full output
    /// width, swapping its halves first for diffusers' (scale, shift) order. Disposes <paramref name="delta"/>.
    /// </summary>
    protected static Tensor Place(Tensor delta, LoraSlice slice, int outFeatures)
    {
        int rows = delta.Dim(-1);
        var backend = delta.Backend;
        if (slice.SwapHalves)
        {
            using var low = delta.Slice(-1, 0, rows / 2);
            using var high = delta.Slice(-1, rows / 2, rows - (rows / 2));
            var swapped = backend.Concat([high, low], -1);
            delta.Dispose();
            delta = swapped;
        }

        if (slice.RowOffset == 0 && rows == outFeatures)
        {
            return delta;
        }

        var parts = new List<Tensor>(3);
        int[] shape = delta.Shape.ToArray();
        try
        {
            if (slice.RowOffset > 0)
            {
                shape[^1] = slice.RowOffset;
                parts.Add(Tensor.Zeros(shape, delta.DType, delta.Device));
            }

            parts.Add(delta);
            int after = outFeatures - slice.RowOffset - rows;
            if (after > 0)
            {
                shape[^1] = after;
                parts.Add(Tensor.Zeros(shape, delta.DType, delta.Device));
            }

            return backend.Concat(parts, -1);
        }
        finally
        {
            foreach (var part in parts)
            {
                part.Dispose();
            }
        }
    }
}
