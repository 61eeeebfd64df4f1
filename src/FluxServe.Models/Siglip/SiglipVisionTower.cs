using FluxServe.Engine;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Layers;

namespace FluxServe.Models.Siglip;

/// <summary>
/// The SigLIP vision transformer up to <c>last_hidden_state</c> (spec/redux.md §2): a patch convolution with bias,
/// learned positions (no class token), pre-LN encoder layers with unmasked attention and gelu_tanh MLPs, and the
/// post LayerNorm. The attention-pooling head is not part of it: Redux reads the token states.
/// </summary>
public sealed class SiglipVisionTower : IDisposable
{
    private const string Prefix = "vision_model.";
    private readonly WeightSet _weights;
    private readonly Tensor _patchWeight;
    private readonly Tensor _patchBias;
    private readonly Tensor _positionEmbedding;
    private readonly PreNormEncoderLayer[] _layers;
    private readonly Tensor _postNormWeight;
    private readonly Tensor _postNormBias;

    /// <summary>Builds the tower over weights in HF naming (<c>vision_model.…</c>); takes ownership of them.</summary>
    public SiglipVisionTower(SiglipVisionConfig config, WeightSet weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        if (config.Heads <= 0 || config.HiddenSize % config.Heads != 0)
        {
            throw new ArgumentException($"Width {config.HiddenSize} does not split into {config.Heads} heads.", nameof(config));
        }

        Config = config;
        _weights = weights;
        _patchWeight = weights[Prefix + "embeddings.patch_embedding.weight"];
        _patchBias = weights[Prefix + "embeddings.patch_embedding.bias"];
        _positionEmbedding = weights[Prefix + "embeddings.position_embedding.weight"];
        _layers = new PreNormEncoderLayer[config.Layers];
        for (int i = 0; i < config.Layers; i++)
        {
            _layers[i] = new PreNormEncoderLayer(weights, $"{Prefix}encoder.layers.{i}.", config.Heads, config.LayerNormEps, Activation.GeluTanh, causal: false);
        }

        _postNormWeight = weights[Prefix + "post_layernorm.weight"];
        _postNormBias = weights[Prefix + "post_layernorm.bias"];
    }

    /// <summary>The hyper-parameters.</summary>
    public SiglipVisionConfig Config { get; }

    /// <summary>The device the weights live on.</summary>
    public Device Device => _patchWeight.Device;

    /// <summary>
    /// Normalised pixels [B, C, H, W] (float32, H and W giving <see cref="SiglipVisionConfig.GridSize"/> patches:
    /// 378 ≤ H, W &lt; 392 for so400m) → <c>last_hidden_state</c> [B, GridSize², D].
    /// </summary>
    public Tensor Forward(Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        int p = Config.PatchSize, grid = Config.GridSize;
        if (pixels.Rank != 4 || pixels.DType != DType.F32 || pixels.Dim(1) != Config.Channels || pixels.Dim(2) / p != grid || pixels.Dim(3) / p != grid)
        {
            throw new ArgumentException(
                $"SigLIP pixels must be float32 [B, {Config.Channels}, H, W] with {grid} patches of {p} per side ({grid * p} ≤ H, W < {(grid + 1) * p}); got {pixels}.",
                nameof(pixels));
        }

        using var scope = TensorScope.Begin();
        var input = pixels.Device == Device ? pixels : pixels.To(Device);

        // Patch embedding: a stride-p convolution, then [B, D, g, g] → [B, g·g, D] (row-major over the grid).
        var patches = input.Backend.Conv2d(input, _patchWeight, _patchBias, p, 0);
        var tokens = patches.Reshape(pixels.Dim(0), Config.HiddenSize, grid * grid).Permute(0, 2, 1);
        var positions = _positionEmbedding.DType == DType.F32 ? _positionEmbedding : _positionEmbedding.Cast(DType.F32);
        var x = tokens + positions;
        foreach (var layer in _layers)
        {
            x = layer.Forward(x);
        }

        return x.LayerNorm(_postNormWeight, _postNormBias, Config.LayerNormEps).Detach();
    }

    /// <inheritdoc />
    public void Dispose() => _weights.Dispose();
}
