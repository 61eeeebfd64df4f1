using FluxServe.Engine;

namespace FluxServe.Models.Layers;

/// <summary>
/// PyTorch's <c>Linear</c>: <c>y = x·(s·W)ᵀ + b</c> with the weight in its stored dtype and an optional per-tensor
/// weight scale <c>s</c> (fp8 "scaled" checkpoints store <c>W/s</c> in fp8 and <c>s</c> beside it).
/// </summary>
/// <param name="Weight">[out, in] in any float dtype the backend's GEMM widens.</param>
/// <param name="Bias">[out] float32, or null.</param>
/// <param name="WeightScale">Multiplier of the stored weight (1 for ordinary checkpoints).</param>
public sealed record LinearLayer(Tensor Weight, Tensor? Bias, float WeightScale = 1f)
{
    /// <summary>Output features.</summary>
    public int OutFeatures => Weight.Dim(0);

    /// <summary>Input features.</summary>
    public int InFeatures => Weight.Dim(1);

    /// <summary>Applies the layer and then <paramref name="activation"/>.</summary>
    public Tensor Forward(Tensor x, Activation activation = Activation.None)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (WeightScale == 1f)
        {
            return x.Linear(Weight, Bias, activation);
        }

        // x·(sW)ᵀ + b = s·(x·Wᵀ) + b: the scale goes before the bias, so it cannot ride in the fused epilogue.
        var y = x.Linear(Weight, null, Activation.None);
        Replace(ref y, y.Affine(WeightScale, 0f));
        if (Bias is not null)
        {
            Replace(ref y, y + Bias);
        }

        if (activation != Activation.None)
        {
            Replace(ref y, y.Activate(activation));
        }

        return y;
    }

    private static void Replace(ref Tensor current, Tensor next)
    {
        current.Dispose();
        current = next;
    }
}
