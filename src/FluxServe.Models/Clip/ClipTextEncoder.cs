using FluxServe.Engine;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Layers;

namespace FluxServe.Models.Clip;

/// <summary>
/// The CLIP text transformer as FLUX uses it (spec/text-encoders.md §1): causal self-attention, quick-GELU MLP,
/// final LayerNorm; the pooled vector is the final state at the first end-of-text token, without text_projection.
/// </summary>
public sealed class ClipTextEncoder : IDisposable
{
    private const string Prefix = "text_model.";
    private readonly WeightSet _weights;
    private readonly Tensor _tokenEmbedding;
    private readonly Tensor _positionEmbedding;
    private readonly PreNormEncoderLayer[] _layers;
    private readonly Tensor _finalNormWeight;
    private readonly Tensor _finalNormBias;

    /// <summary>Builds the encoder over weights in HF naming (<c>text_model.…</c>); takes ownership of them.</summary>
    public ClipTextEncoder(ClipTextConfig config, WeightSet weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        Config = config;
        _weights = weights;
        _tokenEmbedding = weights[Prefix + "embeddings.token_embedding.weight"];
        _positionEmbedding = weights[Prefix + "embeddings.position_embedding.weight"];
        _layers = new PreNormEncoderLayer[config.Layers];
        for (int i = 0; i < config.Layers; i++)
        {
            _layers[i] = new PreNormEncoderLayer(weights, $"{Prefix}encoder.layers.{i}.", config.Heads, config.LayerNormEps, Activation.QuickGelu, causal: true);
        }

        _finalNormWeight = weights[Prefix + "final_layer_norm.weight"];
        _finalNormBias = weights[Prefix + "final_layer_norm.bias"];
    }

    /// <summary>The hyper-parameters.</summary>
    public ClipTextConfig Config { get; }

    /// <summary>Token ids [B, L] (I64 or I32, L ≤ 77) → last hidden state [B, L, D] and pooled vector [B, D].</summary>
    public (Tensor LastHiddenState, Tensor Pooled) Forward(Tensor ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Rank != 2 || ids.Dim(1) > Config.MaxPositions || ids.Device.Kind != DeviceKind.Cpu)
        {
            throw new ArgumentException($"CLIP ids must be a host tensor [B, L ≤ {Config.MaxPositions}], got {ids}.", nameof(ids));
        }

        int batch = ids.Dim(0), length = ids.Dim(1);
        using var scope = TensorScope.Begin();
        var backend = _tokenEmbedding.Backend;
        var idsOnDevice = ids.Device == _tokenEmbedding.Device ? ids : ids.To(_tokenEmbedding.Device);
        var tokens = backend.Embedding(_tokenEmbedding, idsOnDevice);
        var positions = _positionEmbedding.Narrow0(0, length);
        var positionsF32 = positions.DType == DType.F32 ? positions : positions.Cast(DType.F32);
        var x = tokens + positionsF32;
        foreach (var layer in _layers)
        {
            x = layer.Forward(x);
        }

        var hidden = x.LayerNorm(_finalNormWeight, _finalNormBias, Config.LayerNormEps);
        var pooledRows = new Tensor[batch];
        for (int b = 0; b < batch; b++)
        {
            int eos = EosPosition(ids, b);
            using var row = hidden.Narrow0(b, 1);
            pooledRows[b] = row.Slice(1, eos, 1).Reshape(1, -1);
        }

        var pooled = backend.Concat(pooledRows, 0);
        return (hidden.Detach(), pooled.Detach());
    }

    /// <summary>Index of the first end-of-text id in row <paramref name="b"/>; the largest id's first index if there is none (HF's legacy argmax).</summary>
    public int EosPosition(Tensor ids, int b)
    {
        ArgumentNullException.ThrowIfNull(ids);
        int length = ids.Dim(1);
        int best = 0;
        long bestId = long.MinValue;
        for (int i = 0; i < length; i++)
        {
            long id = ids.DType == DType.I64 ? ids.AsSpan<long>()[(b * length) + i] : ids.AsSpan<int>()[(b * length) + i];
            if (id == Config.EosTokenId)
            {
                return i;
            }

            if (id > bestId)
            {
                (best, bestId) = (i, id);
            }
        }

        return best;
    }

    /// <inheritdoc />
    public void Dispose() => _weights.Dispose();
}
