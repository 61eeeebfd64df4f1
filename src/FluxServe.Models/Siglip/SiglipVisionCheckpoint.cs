using System.Text.Json;
using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Checkpoints;

namespace FluxServe.Models.Siglip;

/// <summary>
/// Loads the SigLIP vision tower from ComfyUI's single file (<c>sigclip_vision_patch14_384.safetensors</c>), a
/// diffusers <c>image_encoder/</c> folder (a <c>SiglipVisionModel</c>) or a whole <c>SiglipModel</c> checkpoint,
/// all in HF naming (spec/redux.md §2.1), checking every tensor first. The attention-pooling <c>head.*</c>, the text
/// tower and the logit scale/bias are not read.
/// </summary>
/// <remarks>
/// Width, channels, patch size, grid, depth and MLP width come from the tensor shapes. The head count, input size and
/// LayerNorm epsilon come from a <c>config.json</c> beside the weights when there is one (top level, or its
/// <c>vision_config</c>); without one: 16 heads for width 1152 (so400m) and 64-wide heads otherwise, 384 pixels for
/// the 27×27-patch so400m tower and grid·patch otherwise, and HF's epsilon 1e-6.
/// </remarks>
public static class SiglipVisionCheckpoint
{
    private const string Prefix = "vision_model.";

    /// <summary>Loads the tower at <paramref name="path"/> onto <paramref name="device"/>.</summary>
    /// <param name="path">A safetensors file, a folder holding one (or a sharded index), or a diffusers model folder with <c>image_encoder/</c>.</param>
    /// <param name="device">Where the weights go (CPU by default).</param>
    /// <param name="layerNormEps">Overrides the LayerNorm epsilon (1e-5 reproduces ComfyUI's layers, spec/redux.md §2).</param>
    /// <exception cref="CheckpointException">A tensor is missing, extra or misshapen, or the heads cannot be told.</exception>
    public static SiglipVisionTower Load(string path, Device? device = null, float? layerNormEps = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string resolved = Directory.Exists(Path.Combine(path, "image_encoder")) ? Path.Combine(path, "image_encoder") : path;
        using var checkpoint = SafetensorsCheckpoint.Open(resolved);
        var (recipes, scales) = CheckpointAssembler.Direct(checkpoint, string.Empty, Canonical);
        using var hf = HfConfig.Find(resolved);
        var config = InferConfig(resolved, checkpoint, recipes, VisionSection(hf));
        if (layerNormEps is { } eps)
        {
            config = config with { LayerNormEps = eps };
        }

        var expected = ExpectedTensors(config);
        var plan = new CheckpointPlan($"SigLIP vision tower ({config.Layers} layers, width {config.HiddenSize})", recipes, scales, []);
        CheckpointAssembler.Validate(checkpoint, plan, expected);
        return new SiglipVisionTower(config, CheckpointAssembler.Materialise(checkpoint, plan, expected, device ?? Device.Cpu));
    }

    /// <summary>Every tensor of the tower in HF naming with its shape.</summary>
    public static IReadOnlyList<KeyValuePair<string, int[]>> ExpectedTensors(SiglipVisionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int d = config.HiddenSize, m = config.IntermediateSize, p = config.PatchSize;
        var list = new List<KeyValuePair<string, int[]>>
        {
            new(Prefix + "embeddings.patch_embedding.weight", [d, config.Channels, p, p]),
            new(Prefix + "embeddings.patch_embedding.bias", [d]),
            new(Prefix + "embeddings.position_embedding.weight", [config.Positions, d]),
        };
        for (int i = 0; i < config.Layers; i++)
        {
            string l = $"{Prefix}encoder.layers.{i}.";
            foreach (string norm in (ReadOnlySpan<string>)["layer_norm1", "layer_norm2"])
            {
                list.Add(new(l + norm + ".weight", [d]));
                list.Add(new(l + norm + ".bias", [d]));
            }

            foreach (string proj in (ReadOnlySpan<string>)["q_proj", "k_proj", "v_proj", "out_proj"])
            {
                list.Add(new(l + "self_attn." + proj + ".weight", [d, d]));
                list.Add(new(l + "self_attn." + proj + ".bias", [d]));
            }

            list.Add(new(l + "mlp.fc1.weight", [m, d]));
            list.Add(new(l + "mlp.fc1.bias", [m]));
            list.Add(new(l + "mlp.fc2.weight", [d, m]));
            list.Add(new(l + "mlp.fc2.bias", [d]));
        }

        list.Add(new(Prefix + "post_layernorm.weight", [d]));
        list.Add(new(Prefix + "post_layernorm.bias", [d]));
        return list;
    }

    // The vision tower's own names; the pooling head, the position_ids buffer of older exports and the rest of a
    // whole SiglipModel (text_model.*, logit_scale, logit_bias) belong to something else.
    private static string? Canonical(string name) =>
        name.StartsWith(Prefix, StringComparison.Ordinal) &&
        !name.StartsWith(Prefix + "head.", StringComparison.Ordinal) &&
        name != Prefix + "embeddings.position_ids"
            ? name
            : null;

    private static SiglipVisionConfig InferConfig(string source, SafetensorsCheckpoint checkpoint, Dictionary<string, TensorRecipe> recipes, JsonElement? hf)
    {
        int[]? Shape(string n) => recipes.TryGetValue(n, out var r) ? checkpoint.GetEntry(r.Sources[0]).Shape : null;
        int[] Need(string n, int rank) => Shape(n) is { } s && s.Length == rank
            ? s
            : throw new CheckpointException($"{source} is not a SigLIP vision tower: tensor '{n}' is missing or not of rank {rank}.");

        var patch = Need(Prefix + "embeddings.patch_embedding.weight", 4);
        int hidden = patch[0];
        if (patch[2] != patch[3])
        {
            throw new CheckpointException($"{source}: the patch embedding {Tensor.FormatShape(patch)} has non-square patches.");
        }

        int positions = Need(Prefix + "embeddings.position_embedding.weight", 2)[0];
        int grid = (int)Math.Round(Math.Sqrt(positions));
        if (grid * grid != positions)
        {
            throw new CheckpointException($"{source}: {positions} position embeddings do not form a square grid of patches.");
        }

        int heads = Int(hf, "num_attention_heads") ?? (hidden == 1152 ? 16 : hidden % 64 == 0 ? hidden / 64 : 0);
        if (heads <= 0 || hidden % heads != 0)
        {
            throw new CheckpointException(
                $"{source}: cannot tell the SigLIP head count for width {hidden}; put the model's config.json (num_attention_heads) beside it.");
        }

        int imageSize = Int(hf, "image_size") ?? (grid == 27 && patch[2] == 14 ? 384 : grid * patch[2]);
        if (imageSize / patch[2] != grid)
        {
            throw new CheckpointException(
                $"{source}: config.json's image_size {imageSize} with {patch[2]}-pixel patches gives {imageSize / patch[2]} patches per side, but the checkpoint has {positions} positions ({grid}×{grid}).");
        }

        return new SiglipVisionConfig
        {
            HiddenSize = hidden,
            Channels = patch[1],
            PatchSize = patch[2],
            ImageSize = imageSize,
            Layers = CheckpointAssembler.CountBlocks(recipes.Keys, Prefix + "encoder.layers."),
            IntermediateSize = Need(Prefix + "encoder.layers.0.mlp.fc1.weight", 2)[0],
            Heads = heads,
            LayerNormEps = Float(hf, "layer_norm_eps") ?? 1e-6f,
        };
    }

    // A SiglipVisionModel config has the fields at the top; a whole SiglipModel's are under vision_config.
    private static JsonElement? VisionSection(JsonDocument? hf)
    {
        if (hf is null || hf.RootElement.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return hf.RootElement.TryGetProperty("vision_config", out var vision) && vision.ValueKind == JsonValueKind.Object ? vision : hf.RootElement;
    }

    private static int? Int(JsonElement? section, string name) =>
        section is { } s && s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    private static float? Float(JsonElement? section, string name) =>
        section is { } s && s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
            ? (float)v.GetDouble()
            : null;
}
