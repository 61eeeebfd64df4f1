using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Checkpoints;

namespace FluxServe.Models.Clip;

/// <summary>
/// Loads the CLIP-L text encoder from an HF folder (<c>text_encoder/</c>), a ComfyUI single file
/// (<c>clip_l.safetensors</c>, HF names) or an all-in-one checkpoint (<c>text_encoders.clip_l.transformer.</c>),
/// checking every tensor first (spec/text-encoders.md §1.1).
/// </summary>
public static class ClipTextCheckpoint
{
    private const string ComfyPrefix = "text_encoders.clip_l.transformer.";

    /// <summary>Loads the encoder at <paramref name="path"/> onto <paramref name="device"/>.</summary>
    /// <exception cref="CheckpointException">A tensor is missing, extra or misshapen.</exception>
    public static ClipTextEncoder Load(string path, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string resolved = Directory.Exists(Path.Combine(path, "text_encoder")) ? Path.Combine(path, "text_encoder") : path;
        using var checkpoint = SafetensorsCheckpoint.Open(resolved);
        string prefix = checkpoint.Contains(ComfyPrefix + "text_model.embeddings.token_embedding.weight") ? ComfyPrefix : string.Empty;

        // text_projection is CLIP's image-text head and position_ids a buffer: neither is used by FLUX.
        var (recipes, scales) = CheckpointAssembler.Direct(
            checkpoint, prefix, name => name is "text_projection.weight" or "text_model.embeddings.position_ids" ? null : name);
        int[]? Shape(string n) => recipes.TryGetValue(n, out var r) ? checkpoint.GetEntry(r.Sources[0]).Shape : null;
        int[] Need(string n, int rank) => Shape(n) is { } s && s.Length == rank
            ? s
            : throw new CheckpointException($"{resolved} is not a CLIP text encoder: tensor '{prefix}{n}' is missing or not of rank {rank}.");

        var token = Need("text_model.embeddings.token_embedding.weight", 2);
        using var hf = HfConfig.Find(resolved);
        int hidden = token[1];
        var config = new ClipTextConfig
        {
            VocabSize = token[0],
            HiddenSize = hidden,
            MaxPositions = Need("text_model.embeddings.position_embedding.weight", 2)[0],
            Layers = CheckpointAssembler.CountBlocks(recipes.Keys, "text_model.encoder.layers."),
            IntermediateSize = Need("text_model.encoder.layers.0.mlp.fc1.weight", 2)[0],

            // Head count is not in the tensors: config.json when present, else CLIP's 64-wide heads.
            Heads = HfConfig.Int(hf, "num_attention_heads") ?? hidden / 64,
        };
        if (config.Heads <= 0 || hidden % config.Heads != 0)
        {
            throw new CheckpointException(
                $"{resolved}: cannot tell the CLIP head count (width {hidden} is not a multiple of 64); put the model's config.json (num_attention_heads) beside it.");
        }

        var expected = ExpectedTensors(config);
        var plan = new CheckpointPlan($"CLIP text encoder ({config.Layers} layers, width {hidden})", recipes, scales, []);
        CheckpointAssembler.Validate(checkpoint, plan, expected);
        return new ClipTextEncoder(config, CheckpointAssembler.Materialise(checkpoint, plan, expected, device ?? Device.Cpu));
    }

    /// <summary>Every tensor of the encoder in HF naming with its shape.</summary>
    public static IReadOnlyList<KeyValuePair<string, int[]>> ExpectedTensors(ClipTextConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int d = config.HiddenSize;
        var list = new List<KeyValuePair<string, int[]>>
        {
            new("text_model.embeddings.token_embedding.weight", [config.VocabSize, d]),
            new("text_model.embeddings.position_embedding.weight", [config.MaxPositions, d]),
        };
        for (int i = 0; i < config.Layers; i++)
        {
            string p = $"text_model.encoder.layers.{i}.";
            foreach (string norm in (ReadOnlySpan<string>)["layer_norm1", "layer_norm2"])
            {
                list.Add(new(p + norm + ".weight", [d]));
                list.Add(new(p + norm + ".bias", [d]));
            }

            foreach (string proj in (ReadOnlySpan<string>)["q_proj", "k_proj", "v_proj", "out_proj"])
            {
                list.Add(new(p + "self_attn." + proj + ".weight", [d, d]));
                list.Add(new(p + "self_attn." + proj + ".bias", [d]));
            }

            list.Add(new(p + "mlp.fc1.weight", [config.IntermediateSize, d]));
            list.Add(new(p + "mlp.fc1.bias", [config.IntermediateSize]));
            list.Add(new(p + "mlp.fc2.weight", [d, config.IntermediateSize]));
            list.Add(new(p + "mlp.fc2.bias", [d]));
        }

        list.Add(new("text_model.final_layer_norm.weight", [d]));
        list.Add(new("text_model.final_layer_norm.bias", [d]));
        return list;
    }
}
