using FluxServe.Engine;
using FluxServe.Models.Lora;

namespace FluxServe.Models.Layers;

/// <summary>
/// PyTorch's <c>Linear</c>: <c>y = x·(s·W)ᵀ + b</c> with the weight in its stored dtype and an optional per-tensor
/// weight scale <c>s</c> (fp8 "scaled" checkpoints store <c>W/s</c> in fp8 and <c>s</c> beside it).
/// </summary>
/// <param name="Weight">[out, in] in any float dtype the backend's GEMM widens.</param>
/// <param name="Bias">[out] float32, or null.</param>
/// <param name="WeightScale">Multiplier of the stored weight (1 for ordinary checkpoints).</param>
/// <remarks>
/// A layer with a <see cref="Name"/> (its canonical tensor prefix, e.g. <c>double_blocks.0.img_attn.qkv</c>) picks up
/// the low-rank side paths of the LoRA adapters active in the calling flow's <see cref="LoraScope"/>:
/// <c>y = act(x·(s·W)ᵀ + b + Σ strength·scale·((x·Aᵀ)·Bᵀ))</c> (spec/lora.md §1), so the shared base weights are
/// never modified and concurrent requests with different adapters do not interfere.
/// </remarks>
public sealed record LinearLayer(Tensor Weight, Tensor? Bias, float WeightScale = 1f)
{
    /// <summary>The canonical name of the layer (its tensors are <c>{Name}.weight</c>/<c>{Name}.bias</c>), or null.</summary>
    /// <remarks>LoRA adapters address layers by this name; an unnamed layer is never adapted.</remarks>
    public string? Name { get; init; }

    /// <summary>Output features.</summary>
    public int OutFeatures => Weight.Dim(0);

    /// <summary>Input features.</summary>
    public int InFeatures => Weight.Dim(1);

    /// <summary>Applies the layer and then <paramref name="activation"/>.</summary>
    public Tensor Forward(Tensor x, Activation activation = Activation.None)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (Name is not null && LoraScope.Current is { } lora && lora.Adapts(Name))
        {
            return lora.Forward(this, x, activation);
        }

        return ForwardBase(x, activation);
    }

    /// <summary>The layer without any LoRA side path.</summary>
    internal Tensor ForwardBase(Tensor x, Activation activation)
    {
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
