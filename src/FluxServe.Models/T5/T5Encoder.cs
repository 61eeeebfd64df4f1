using FluxServe.Engine;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Layers;

namespace FluxServe.Models.T5;

/// <summary>
/// The T5 v1.1 encoder (spec/text-encoders.md §2): RMSNorm without mean or bias, attention without 1/√d and with
/// one relative-position bias table (block 0's) shared by every block, gated tanh-GELU feed-forward, no mask.
/// </summary>
public sealed class T5Encoder : IDisposable
{
    private readonly WeightSet _weights;
    private readonly Tensor _embedding;
    private readonly Tensor _relativeBias;
    private readonly Block[] _blocks;
    private readonly Tensor _finalNorm;

    /// <summary>Builds the encoder over weights in HF naming (<c>shared.weight</c>, <c>encoder.block.N.…</c>); takes ownership.</summary>
    public T5Encoder(T5Config config, WeightSet weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        Config = config;
        _weights = weights;
        _embedding = weights["shared.weight"];
        _relativeBias = weights["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"];
        _blocks = new Block[config.Layers];
        for (int i = 0; i < config.Layers; i++)
        {
            _blocks[i] = new Block(weights, $"encoder.block.{i}.", config);
        }

        _finalNorm = weights["encoder.final_layer_norm.weight"];
    }

    /// <summary>The hyper-parameters.</summary>
    public T5Config Config { get; }

    /// <summary>Token ids [B, L] (I64 or I32, host) → last hidden state [B, L, DModel].</summary>
    public Tensor Forward(Tensor ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Rank != 2 || ids.Device.Kind != DeviceKind.Cpu)
        {
            throw new ArgumentException($"T5 ids must be a host tensor [B, L], got {ids}.", nameof(ids));
        }

        using var scope = TensorScope.Begin();
        var device = _embedding.Device;
        var x = _embedding.Backend.Embedding(_embedding, ids.Device == device ? ids : ids.To(device));
        var bias = PositionBias(ids.Dim(1), device);
        foreach (var block in _blocks)
        {
            x = block.Forward(x, bias);
        }

        return x.RmsNorm(_finalNorm, Config.LayerNormEps).Detach();
    }

    /// <summary>
    /// T5's bidirectional bucket of the relative position <c>key − query</c> (spec §2.1): exact below half the
    /// one-sided buckets, logarithmic up to <see cref="T5Config.MaxDistance"/>, and +half for keys to the right.
    /// </summary>
    public static int Bucket(int relative, int numBuckets, int maxDistance)
    {
        int half = numBuckets / 2;
        int bucket = relative > 0 ? half : 0;
        int n = Math.Abs(relative);
        int exact = half / 2;
        if (n < exact)
        {
            return bucket + n;
        }

        // HF computes this in float32: log(n / exact) / log(max / exact) · (half − exact), truncated.
        float log = MathF.Log((float)n / exact) / MathF.Log((float)maxDistance / exact) * (half - exact);
        return bucket + Math.Min(half - 1, exact + (int)log);
    }

    /// <inheritdoc />
    public void Dispose() => _weights.Dispose();

    // bias[0, h, i, j] = table[bucket(j − i), h], built on the host from the (small) table.
    private Tensor PositionBias(int length, Device device)
    {
        int heads = Config.Heads;
        using var table = _relativeBias.Device.Kind == DeviceKind.Cpu ? _relativeBias.Reshape(_relativeBias.Shape) : _relativeBias.To(Device.Cpu);
        using var tableF32 = table.DType == DType.F32 ? table.Reshape(table.Shape) : table.Cast(DType.F32);
        var values = tableF32.AsSpan<float>();
        var byDistance = new int[(2 * length) - 1];
        for (int r = -(length - 1); r < length; r++)
        {
            byDistance[r + length - 1] = Bucket(r, Config.NumBuckets, Config.MaxDistance);
        }

        var bias = Tensor.Empty([1, heads, length, length]);
        var data = bias.AsSpan<float>();
        for (int h = 0; h < heads; h++)
        {
            for (int i = 0; i < length; i++)
            {
                var row = data.Slice(((h * length) + i) * length, length);
                for (int j = 0; j < length; j++)
                {
                    row[j] = values[(byDistance[j - i + length - 1] * heads) + h];
                }
            }
        }

        if (device.Kind == DeviceKind.Cpu)
        {
            return bias;
        }

        using (bias)
        {
            return bias.To(device);
        }
    }

    private sealed class Block(WeightSet weights, string prefix, T5Config config)
    {
        private readonly Tensor _attnNorm = weights[prefix + "layer.0.layer_norm.weight"];
        private readonly LinearLayer _q = weights.Linear(prefix + "layer.0.SelfAttention.q");
        private readonly LinearLayer _k = weights.Linear(prefix + "layer.0.SelfAttention.k");
        private readonly LinearLayer _v = weights.Linear(prefix + "layer.0.SelfAttention.v");
        private readonly LinearLayer _o = weights.Linear(prefix + "layer.0.SelfAttention.o");
        private readonly Tensor _ffNorm = weights[prefix + "layer.1.layer_norm.weight"];
        private readonly LinearLayer _wi0 = weights.Linear(prefix + "layer.1.DenseReluDense.wi_0");
        private readonly LinearLayer _wi1 = weights.Linear(prefix + "layer.1.DenseReluDense.wi_1");
        private readonly LinearLayer _wo = weights.Linear(prefix + "layer.1.DenseReluDense.wo");

        public Tensor Forward(Tensor x, Tensor bias)
        {
            var h = x.RmsNorm(_attnNorm, config.LayerNormEps);
            var attn = MultiHeadAttention.SelfAttention(h, _q, _k, _v, _o, config.Heads, bias, causal: false, scale: 1f);
            var x1 = x + attn;
            var h2 = x1.RmsNorm(_ffNorm, config.LayerNormEps);
            var gated = _wi0.Forward(h2, Activation.GeluTanh) * _wi1.Forward(h2);
            return x1 + _wo.Forward(gated);
        }
    }
}
