using FluxServe.Engine;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Layers;

namespace FluxServe.Models.Redux;

/// <summary>
/// FLUX.1 Redux's image embedder (BFL <c>ReduxImageEncoder</c> without its SigLIP, spec/redux.md §4): SigLIP token
/// states → <c>redux_down(silu(redux_up(h)))</c>, tokens in the T5 context width that are appended to the prompt's.
/// </summary>
public sealed class ReduxEmbedder : IDisposable
{
    private readonly WeightSet _weights;
    private readonly LinearLayer _up;
    private readonly LinearLayer _down;

    /// <summary>Builds the embedder over <c>redux_up.*</c> / <c>redux_down.*</c>; takes ownership of the weights.</summary>
    public ReduxEmbedder(ReduxConfig config, WeightSet weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        Config = config;
        _weights = weights;
        _up = weights.Linear("redux_up");
        _down = weights.Linear("redux_down");
    }

    /// <summary>The widths.</summary>
    public ReduxConfig Config { get; }

    /// <summary>The device the weights live on.</summary>
    public Device Device => _up.Weight.Device;

    /// <summary>SigLIP <c>last_hidden_state</c> [B, N, VisionDim] (float32) → Redux tokens [B, N, ContextDim].</summary>
    public Tensor Forward(Tensor visionStates)
    {
        ArgumentNullException.ThrowIfNull(visionStates);
        if (visionStates.Rank != 3 || visionStates.Dim(2) != Config.VisionDim || visionStates.DType != DType.F32)
        {
            throw new ArgumentException($"Redux input must be float32 [B, N, {Config.VisionDim}] (SigLIP token states); got {visionStates}.", nameof(visionStates));
        }

        using var scope = TensorScope.Begin();
        var input = visionStates.Device == Device ? visionStates : visionStates.To(Device);
        return _down.Forward(_up.Forward(input, Activation.SiLU)).Detach();
    }

    /// <inheritdoc />
    public void Dispose() => _weights.Dispose();
}
