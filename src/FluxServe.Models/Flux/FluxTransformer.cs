using FluxServe.Engine;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Layers;

namespace FluxServe.Models.Flux;

/// <summary>
/// The FLUX.1 MMDiT (schnell and dev), spec/flux-transformer.md §4: predicts the flow velocity for packed image
/// tokens given T5 tokens, the pooled CLIP vector, σ and (dev) the guidance scale. Written once against Engine
/// operations, so every backend runs the same network.
/// </summary>
public sealed class FluxTransformer : IDisposable
{
    private readonly WeightSet _weights;
    private readonly LinearLayer _imgIn;
    private readonly LinearLayer _txtIn;
    private readonly MlpEmbedder _timeIn;
    private readonly MlpEmbedder _vectorIn;
    private readonly MlpEmbedder? _guidanceIn;
    private readonly DoubleStreamBlock[] _doubleBlocks;
    private readonly SingleStreamBlock[] _singleBlocks;
    private readonly LastLayer _finalLayer;

    /// <summary>Builds the network over weights in BFL naming (the set is owned by the transformer from now on).</summary>
    public FluxTransformer(FluxConfig config, WeightSet weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        Config = config;
        _weights = weights;
        _imgIn = weights.Linear("img_in");
        _txtIn = weights.Linear("txt_in");
        _timeIn = new MlpEmbedder(weights, "time_in");
        _vectorIn = new MlpEmbedder(weights, "vector_in");
        _guidanceIn = config.GuidanceEmbed ? new MlpEmbedder(weights, "guidance_in") : null;
        _doubleBlocks = new DoubleStreamBlock[config.Depth];
        for (int i = 0; i < config.Depth; i++)
        {
            _doubleBlocks[i] = new DoubleStreamBlock(weights, $"double_blocks.{i}", config.NumHeads);
        }

        _singleBlocks = new SingleStreamBlock[config.DepthSingleBlocks];
        for (int i = 0; i < config.DepthSingleBlocks; i++)
        {
            _singleBlocks[i] = new SingleStreamBlock(weights, $"single_blocks.{i}", config.NumHeads, config.HiddenSize, config.MlpHiddenSize);
        }

        _finalLayer = new LastLayer(weights);
    }

    /// <summary>The hyper-parameters.</summary>
    public FluxConfig Config { get; }

    /// <summary>The device the weights live on.</summary>
    public Device Device => _weights["img_in.weight"].Device;

    /// <summary>
    /// <c>Flux.forward</c>: img [B, Li, 64], imgIds [B, Li, 3], txt [B, Lt, 4096], txtIds [B, Lt, 3], timesteps [B]
    /// (σ in [0, 1]), y [B, 768], guidance [B] (dev only; ignored for schnell). Returns the velocity [B, Li, 64].
    /// </summary>
    /// <exception cref="ArgumentException">A shape does not match the configuration, or dev is called without guidance.</exception>
    public Tensor Forward(Tensor img, Tensor imgIds, Tensor txt, Tensor txtIds, ReadOnlySpan<float> timesteps, Tensor y, ReadOnlySpan<float> guidance = default)
    {
        ArgumentNullException.ThrowIfNull(img);
        ArgumentNullException.ThrowIfNull(imgIds);
        ArgumentNullException.ThrowIfNull(txt);
        ArgumentNullException.ThrowIfNull(txtIds);
        ArgumentNullException.ThrowIfNull(y);
        int batch = img.Dim(0);
        Validate(img, [batch, -1, Config.InChannels], nameof(img));
        Validate(txt, [batch, -1, Config.ContextInDim], nameof(txt));
        Validate(y, [batch, Config.VecInDim], nameof(y));
        Validate(imgIds, [batch, img.Dim(1), Config.AxesDim.Count], nameof(imgIds));
        Validate(txtIds, [batch, txt.Dim(1), Config.AxesDim.Count], nameof(txtIds));
        if (timesteps.Length != batch)
        {
            throw new ArgumentException($"Expected {batch} timesteps, got {timesteps.Length}.", nameof(timesteps));
        }

        if (Config.GuidanceEmbed && guidance.Length != batch)
        {
            throw new ArgumentException($"FLUX.1-dev needs one guidance value per batch item ({batch}), got {guidance.Length}.", nameof(guidance));
        }

        using var scope = TensorScope.Begin();
        var device = img.Device;
        var imgH = _imgIn.Forward(img);
        var tEmb = TimestepEmbedding.Compute(timesteps, Config.TimestepEmbeddingDim, device);
        var vec = _timeIn.Forward(tEmb);
        if (_guidanceIn is not null)
        {
            var gEmb = TimestepEmbedding.Compute(guidance, Config.TimestepEmbeddingDim, device);
            vec += _guidanceIn.Forward(gEmb);
        }

        vec += _vectorIn.Forward(y);
        var txtH = _txtIn.Forward(txt);

        var ids = img.Backend.Concat([txtIds, imgIds], 1);
        var pe = EmbedNd.Compute(ids, Config.AxesDim, Config.Theta, device);

        // Every modulation reads silu(vec): compute it once.
        var vecSilu = vec.Activate(Activation.SiLU);
        foreach (var block in _doubleBlocks)
        {
            (imgH, txtH) = block.Forward(imgH, txtH, vecSilu, pe);
        }

        var x = img.Backend.Concat([txtH, imgH], 1);
        foreach (var block in _singleBlocks)
        {
            x = block.Forward(x, vecSilu, pe);
        }

        int lt = txt.Dim(1);
        var imgOut = x.Slice(1, lt, img.Dim(1));
        return _finalLayer.Forward(imgOut, vecSilu).Detach();
    }

    /// <inheritdoc />
    public void Dispose() => _weights.Dispose();

    private static void Validate(Tensor t, ReadOnlySpan<int> expected, string name)
    {
        bool ok = t.Rank == expected.Length;
        for (int i = 0; ok && i < expected.Length; i++)
        {
            ok = expected[i] < 0 || expected[i] == t.Dim(i);
        }

        if (!ok)
        {
            throw new ArgumentException($"{name} has shape {Tensor.FormatShape(t.Shape)}; expected {Tensor.FormatShape(expected)} (-1 = any).", name);
        }
    }
}
