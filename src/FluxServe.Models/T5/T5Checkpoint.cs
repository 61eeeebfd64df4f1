using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Checkpoints;

namespace FluxServe.Models.T5;

/// <summary>
/// Loads the T5 v1.1 encoder from an HF folder (<c>text_encoder_2/</c>, sharded with an index), a ComfyUI single file
/// (<c>t5xxl_fp16.safetensors</c>, <c>t5xxl_fp8_e4m3fn(_scaled).safetensors</c>) or an all-in-one checkpoint
/// (<c>text_encoders.t5xxl.transformer.</c>), checking every tensor first (spec/text-encoders.md §2.2).
/// </summary>
public static class T5Checkpoint
{
    private const string ComfyPrefix = "text_encoders.t5xxl.transformer.";
    private const string Shared = "shared.weight";
    private const string EmbedTokens = "encoder.embed_tokens.weight";

    /// <summary>Loads the encoder at <paramref name="path"/> onto <paramref name="device"/>.</summary>
    /// <exception cref="CheckpointException">A tensor is missing, extra or misshapen.</exception>
    public static T5Encoder Load(string path, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string resolved = Directory.Exists(Path.Combine(path, "text_encoder_2")) ? Path.Combine(path, "text_encoder_2") : path;
        using var checkpoint = SafetensorsCheckpoint.Open(resolved);
        string prefix = checkpoint.Contains(ComfyPrefix + "encoder.final_layer_norm.weight") ? ComfyPrefix : string.Empty;
        bool hasShared = checkpoint.Contains(prefix + Shared);

        // The embedding is tied: files carry shared.weight, encoder.embed_tokens.weight or both (same values).
        var (recipes, scales) = CheckpointAssembler.Direct(
            checkpoint, prefix, name => name == EmbedTokens ? (hasShared ? null : Shared) : name);
        int[]? Shape(string n) => recipes.TryGetValue(n, out var r) ? checkpoint.GetEntry(r.Sources[0]).Shape : null;
        int[] Need(string n, int rank) => Shape(n) is { } s && s.Length == rank
            ? s
            : throw new CheckpointException($"{resolved} is not a T5 encoder: tensor '{prefix}{n}' is missing or not of rank {rank}.");

        var embedding = Need(Shared, 2);
        var relative = Need("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", 2);
        int inner = Need("encoder.block.0.layer.0.SelfAttention.q.weight", 2)[0];
        int heads = relative[1];
        if (heads <= 0 || inner % heads != 0)
        {
            throw new CheckpointException($"{resolved}: the relative bias table's {heads} heads do not divide the attention width {inner}.");
        }

        using var hf = HfConfig.Find(resolved);
        var config = new T5Config
        {
            VocabSize = embedding[0],
            DModel = embedding[1],
            Heads = heads,
            DKv = inner / heads,
            DFf = Need("encoder.block.0.layer.1.DenseReluDense.wi_0.weight", 2)[0],
            Layers = CheckpointAssembler.CountBlocks(recipes.Keys, "encoder.block."),
            NumBuckets = relative[0],
            MaxDistance = HfConfig.Int(hf, "relative_attention_max_distance") ?? 128,
        };
        var expected = ExpectedTensors(config);
        var plan = new CheckpointPlan($"T5 encoder ({config.Layers} blocks, width {config.DModel})", recipes, scales, []);
        CheckpointAssembler.Validate(checkpoint, plan, expected);
        return new T5Encoder(config, CheckpointAssembler.Materialise(checkpoint, plan, expected, device ?? Device.Cpu));
    }

    /// <summary>Every tensor of the encoder in HF naming with its shape.</summary>
    public static IReadOnlyList<KeyValuePair<string, int[]>> ExpectedTensors(T5Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int d = config.DModel, inner = config.Heads * config.DKv;
        var list = new List<KeyValuePair<string, int[]>> { new(Shared, [config.VocabSize, d]) };
        for (int i = 0; i < config.Layers; i++)
        {
            string p = $"encoder.block.{i}.layer.";
            list.Add(new(p + "0.SelfAttention.q.weight", [inner, d]));
            list.Add(new(p + "0.SelfAttention.k.weight", [inner, d]));
            list.Add(new(p + "0.SelfAttention.v.weight", [inner, d]));
            list.Add(new(p + "0.SelfAttention.o.weight", [d, inner]));
            if (i == 0)
            {
                list.Add(new(p + "0.SelfAttention.relative_attention_bias.weight", [config.NumBuckets, config.Heads]));
            }

            list.Add(new(p + "0.layer_norm.weight", [d]));
            list.Add(new(p + "1.DenseReluDense.wi_0.weight", [config.DFf, d]));
            list.Add(new(p + "1.DenseReluDense.wi_1.weight", [config.DFf, d]));
            list.Add(new(p + "1.DenseReluDense.wo.weight", [d, config.DFf]));
            list.Add(new(p + "1.layer_norm.weight", [d]));
        }

        list.Add(new("encoder.final_layer_norm.weight", [d]));
        return list;
    }
}
