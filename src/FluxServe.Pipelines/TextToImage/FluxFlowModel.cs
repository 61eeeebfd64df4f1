using FluxServe.Engine;
using FluxServe.Models.Flux;
using FluxServe.Pipelines.Sampling;

namespace FluxServe.Pipelines.TextToImage;

/// <summary>
/// The FLUX transformer as the samplers see it (<see cref="IFlowModel"/>): latents [B, 16, h, w] are packed into
/// 2×2 tokens, the transformer predicts the velocity at σ, and the result is unpacked.
/// </summary>
public sealed class FluxFlowModel : IFlowModel, IDisposable
{
    private readonly FluxTransformer _transformer;
    private readonly int _batch, _channels, _height, _width;
    private readonly Tensor _imgIds, _txtIds, _tokens, _pooled;
    private readonly Tensor? _negativeTokens, _negativePooled, _negativeTxtIds;
    private readonly float[] _guidance;

    /// <summary>Prepares the fixed inputs for a batch of latents of shape [batch, channels, height, width].</summary>
    /// <param name="transformer">The network.</param>
    /// <param name="latentShape">[B, 16, h, w].</param>
    /// <param name="positive">The prompt's conditioning.</param>
    /// <param name="negative">The unconditional conditioning (empty prompt) for cfg and the cfg_pp samplers, or null.</param>
    /// <param name="guidance">The distilled guidance scale (FLUX.1-dev; ignored by schnell).</param>
    public FluxFlowModel(FluxTransformer transformer, ReadOnlySpan<int> latentShape, FluxConditioning positive, FluxConditioning? negative, float guidance)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        ArgumentNullException.ThrowIfNull(positive);
        _transformer = transformer;
        (_batch, _channels, _height, _width) = (latentShape[0], latentShape[1], latentShape[2], latentShape[3]);
        var device = transformer.Device;
        using (var ids = LatentPacking.ImageIds(_batch, _height, _width))
        {
            _imgIds = ids.To(device);
        }

        (_tokens, _pooled) = positive.ForBatch(_batch);
        _txtIds = Tensor.Zeros([_batch, _tokens.Dim(1), 3], DType.F32, device);
        if (negative is not null)
        {
            (_negativeTokens, _negativePooled) = negative.ForBatch(_batch);
            _negativeTxtIds = Tensor.Zeros([_batch, _negativeTokens.Dim(1), 3], DType.F32, device);
        }

        _guidance = Enumerable.Repeat(guidance, _batch).ToArray();
    }

    /// <summary>Number of transformer passes so far.</summary>
    public int Evaluations { get; private set; }

    /// <inheritdoc />
    public void PredictVelocity(ReadOnlySpan<float> x, float timestep, GuidanceBranch branch, Span<float> velocity, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (tokens, pooled, txtIds) = branch == GuidanceBranch.Positive
            ? (_tokens, _pooled, _txtIds)
            : (_negativeTokens ?? throw new InvalidOperationException("This sampler needs an unconditional pass, but no negative conditioning was prepared."), _negativePooled!, _negativeTxtIds!);
        using var scope = TensorScope.Begin();
        var latent = Tensor.FromSpan(x, [_batch, _channels, _height, _width], DType.F32);
        if (_transformer.Device.Kind != DeviceKind.Cpu)
        {
            latent = latent.To(_transformer.Device);
        }

        var img = LatentPacking.Pack(latent);
        float[] t = Enumerable.Repeat(timestep, _batch).ToArray();
        var pred = _transformer.Forward(img, _imgIds, tokens, txtIds, t, pooled, _transformer.Config.GuidanceEmbed ? _guidance : default);
        var unpacked = LatentPacking.Unpack(pred, _height, _width);
        var host = unpacked.Device.Kind == DeviceKind.Cpu ? unpacked : unpacked.To(Device.Cpu);
        host.AsSpan<float>().CopyTo(velocity);
        Evaluations++;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in new[] { _imgIds, _txtIds, _tokens, _pooled, _negativeTokens, _negativePooled, _negativeTxtIds })
        {
            t?.Dispose();
        }
    }
}
