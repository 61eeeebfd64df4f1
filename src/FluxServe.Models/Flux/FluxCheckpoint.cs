using System.Globalization;
using System.Text.Json;
using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Checkpoints;

namespace FluxServe.Models.Flux;

/// <summary>
/// Loads a FLUX.1 transformer from any of its public layouts (<see cref="FluxCheckpointLayout"/>), inferring the
/// variant and the depths from the tensors (spec/flux-transformer.md §1, §10, §11).
/// </summary>
/// <remarks>
/// Everything is checked before a byte of weight data is touched: a missing, extra or misshapen tensor is a
/// <see cref="CheckpointException"/> naming it and the expected shape. Weights are then read tensor by tensor from the
/// memory map: on the CPU a weight in BFL naming is used in place (zero-copy, stored dtype, widened by the GEMM), so
/// loading holds one copy of the weights; only the diffusers q/k/v(/mlp) concatenations and the norm_out swap are
/// copies, made one tensor at a time. Biases and norm scales (vectors) are widened to float32.
/// </remarks>
public static class FluxCheckpoint
{
    private const string ComfyPrefix = "model.diffusion_model.";
    private const string BarePrefix = "diffusion_model.";

    /// <summary>Loads the transformer at <paramref name="path"/> (a file, a sharded folder, or a diffusers model folder) onto <paramref name="device"/>.</summary>
    /// <exception cref="CheckpointException">The checkpoint is not a usable FLUX.1 transformer.</exception>
    /// <exception cref="SafetensorsException">A file is malformed.</exception>
    public static FluxTransformer Load(string path, Device? device = null)
    {
        var (config, weights, _) = Read(path, device ?? Device.Cpu);
        return new FluxTransformer(config, weights);
    }

    /// <summary>Reads, validates and materialises the weights in BFL naming, with the inferred configuration and layout.</summary>
    public static (FluxConfig Config, WeightSet Weights, FluxCheckpointLayout Layout) Read(string path, Device device)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string resolved = Directory.Exists(Path.Combine(path, "transformer")) ? Path.Combine(path, "transformer") : path;
        using var checkpoint = SafetensorsCheckpoint.Open(resolved);
        var (layout, config, plan) = Plan(checkpoint, resolved);
        var expected = FluxTensorNames.Expected(config);
        CheckpointAssembler.Validate(checkpoint, plan, expected);
        return (config, CheckpointAssembler.Materialise(checkpoint, plan, expected, device), layout);
    }

    /// <summary>The configuration inferred from the tensor names and shapes at <paramref name="path"/>, without reading any weight.</summary>
    /// <exception cref="CheckpointException">The checkpoint is not a FLUX.1 transformer.</exception>
    public static FluxConfig ReadConfig(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string resolved = Directory.Exists(Path.Combine(path, "transformer")) ? Path.Combine(path, "transformer") : path;
        using var checkpoint = SafetensorsCheckpoint.Open(resolved);
        return Plan(checkpoint, resolved).Item2;
    }

    private static (FluxCheckpointLayout, FluxConfig, CheckpointPlan) Plan(SafetensorsCheckpoint checkpoint, string source)
    {
        var names = checkpoint.Names;
        if (names.Contains("x_embedder.weight"))
        {
            return DiffusersPlan(checkpoint, source);
        }

        string prefix = names.Contains("img_in.weight") ? string.Empty
            : names.Contains(ComfyPrefix + "img_in.weight") ? ComfyPrefix
            : names.Contains(BarePrefix + "img_in.weight") ? BarePrefix
            : throw new CheckpointException(
                $"{source} is not a FLUX.1 transformer: it has neither 'img_in.weight' (BFL/ComfyUI naming) nor 'x_embedder.weight' (diffusers naming).");

        // An all-in-one ComfyUI checkpoint also holds the VAE and text encoders under other prefixes: skipped.
        var (recipes, scales) = CheckpointAssembler.Direct(checkpoint, prefix, name => name);
        var config = InferConfig(source, n => recipes.TryGetValue(n, out var r) ? checkpoint.GetEntry(r.Sources[0]).Shape : null, recipes.Keys, null);
        var layout = prefix.Length == 0 ? FluxCheckpointLayout.Bfl : FluxCheckpointLayout.ComfyUi;
        return (layout, config, new CheckpointPlan(Describe(config, layout), recipes, scales, []));
    }

    private static string Describe(FluxConfig config, FluxCheckpointLayout layout) =>
        $"FLUX.1-{config.Variant} transformer ({layout} layout, depth {config.Depth}+{config.DepthSingleBlocks})";

    private static (FluxCheckpointLayout, FluxConfig, CheckpointPlan) DiffusersPlan(SafetensorsCheckpoint checkpoint, string source)
    {
        int[]? Shape(string n) => checkpoint.Contains(n) ? checkpoint.GetEntry(n).Shape : null;
        var bflNames = new HashSet<string>(StringComparer.Ordinal);
        var recipes = new Dictionary<string, TensorRecipe>(StringComparer.Ordinal);
        void Map(string bfl, RecipeKind kind, params string[] sources)
        {
            recipes[bfl] = new TensorRecipe(kind, sources);
            bflNames.Add(bfl);
        }

        void Linear(string bfl, string diffusers)
        {
            Map(bfl + ".weight", RecipeKind.Direct, diffusers + ".weight");
            Map(bfl + ".bias", RecipeKind.Direct, diffusers + ".bias");
        }

        void Rows(string bfl, params string[] diffusers)
        {
            Map(bfl + ".weight", RecipeKind.ConcatRows, [.. diffusers.Select(d => d + ".weight")]);
            Map(bfl + ".bias", RecipeKind.ConcatRows, [.. diffusers.Select(d => d + ".bias")]);
        }

        int depth = CheckpointAssembler.CountBlocks(checkpoint.Names, "transformer_blocks.");
        int single = CheckpointAssembler.CountBlocks(checkpoint.Names, "single_transformer_blocks.");
        Linear("img_in", "x_embedder");
        Linear("txt_in", "context_embedder");
        Linear("time_in.in_layer", "time_text_embed.timestep_embedder.linear_1");
        Linear("time_in.out_layer", "time_text_embed.timestep_embedder.linear_2");
        Linear("vector_in.in_layer", "time_text_embed.text_embedder.linear_1");
        Linear("vector_in.out_layer", "time_text_embed.text_embedder.linear_2");
        if (checkpoint.Contains("time_text_embed.guidance_embedder.linear_1.weight"))
        {
            Linear("guidance_in.in_layer", "time_text_embed.guidance_embedder.linear_1");
            Linear("guidance_in.out_layer", "time_text_embed.guidance_embedder.linear_2");
        }

        for (int n = 0; n < depth; n++)
        {
            string d = $"transformer_blocks.{n}.", b = $"double_blocks.{n}.";
            Linear(b + "img_mod.lin", d + "norm1.linear");
            Linear(b + "txt_mod.lin", d + "norm1_context.linear");
            Rows(b + "img_attn.qkv", d + "attn.to_q", d + "attn.to_k", d + "attn.to_v");
            Rows(b + "txt_attn.qkv", d + "attn.add_q_proj", d + "attn.add_k_proj", d + "attn.add_v_proj");
            Map(b + "img_attn.norm.query_norm.scale", RecipeKind.Direct, d + "attn.norm_q.weight");
            Map(b + "img_attn.norm.key_norm.scale", RecipeKind.Direct, d + "attn.norm_k.weight");
            Map(b + "txt_attn.norm.query_norm.scale", RecipeKind.Direct, d + "attn.norm_added_q.weight");
            Map(b + "txt_attn.norm.key_norm.scale", RecipeKind.Direct, d + "attn.norm_added_k.weight");
            Linear(b + "img_attn.proj", d + "attn.to_out.0");
            Linear(b + "txt_attn.proj", d + "attn.to_add_out");
            Linear(b + "img_mlp.0", d + "ff.net.0.proj");
            Linear(b + "img_mlp.2", d + "ff.net.2");
            Linear(b + "txt_mlp.0", d + "ff_context.net.0.proj");
            Linear(b + "txt_mlp.2", d + "ff_context.net.2");
        }

        for (int n = 0; n < single; n++)
        {
            string d = $"single_transformer_blocks.{n}.", b = $"single_blocks.{n}.";
            Linear(b + "modulation.lin", d + "norm.linear");
            Rows(b + "linear1", d + "attn.to_q", d + "attn.to_k", d + "attn.to_v", d + "proj_mlp");
            Linear(b + "linear2", d + "proj_out");
            Map(b + "norm.query_norm.scale", RecipeKind.Direct, d + "attn.norm_q.weight");
            Map(b + "norm.key_norm.scale", RecipeKind.Direct, d + "attn.norm_k.weight");
        }

        // diffusers' norm_out.linear is (scale, shift); BFL's final adaLN is (shift, scale).
        Map("final_layer.adaLN_modulation.1.weight", RecipeKind.SwapHalves, "norm_out.linear.weight");
        Map("final_layer.adaLN_modulation.1.bias", RecipeKind.SwapHalves, "norm_out.linear.bias");
        Linear("final_layer.linear", "proj_out");

        var consumed = new HashSet<string>(recipes.Values.SelectMany(r => r.Sources), StringComparer.Ordinal);
        var unmatched = checkpoint.Names.Where(n => !consumed.Contains(n)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        IReadOnlyList<int>? axes = ReadDiffusersAxes(source);
        var config = InferConfig(
            source,
            bfl => recipes.TryGetValue(bfl, out var r) ? CheckpointAssembler.RecipeShape(r, Shape) : null,
            bflNames,
            axes);
        var plan = new CheckpointPlan(Describe(config, FluxCheckpointLayout.Diffusers), recipes, [], unmatched);
        return (FluxCheckpointLayout.Diffusers, config, plan);
    }

    private static FluxConfig InferConfig(string source, Func<string, int[]?> shapeOf, IEnumerable<string> bflNames, IReadOnlyList<int>? axesDim)
    {
        int[] Need(string name, int rank) =>
            shapeOf(name) is { } s && s.Length == rank
                ? s
                : throw new CheckpointException($"{source}: cannot infer the FLUX configuration: tensor '{name}' is missing or not of rank {rank}.");

        var imgIn = Need("img_in.weight", 2);
        int hidden = imgIn[0];
        int headDim = Need("double_blocks.0.img_attn.norm.query_norm.scale", 1)[0];
        if (headDim <= 0 || hidden % headDim != 0 || headDim % 8 != 0)
        {
            throw new CheckpointException($"{source}: head dimension {headDim} (from the QK norm scale) does not divide the hidden size {hidden} into heads with a 3-axis RoPE.");
        }

        var names = bflNames.ToList();
        return new FluxConfig
        {
            InChannels = imgIn[1],
            HiddenSize = hidden,
            NumHeads = hidden / headDim,
            MlpHiddenSize = Need("double_blocks.0.img_mlp.0.weight", 2)[0],
            Depth = CheckpointAssembler.CountBlocks(names, "double_blocks."),
            DepthSingleBlocks = CheckpointAssembler.CountBlocks(names, "single_blocks."),
            VecInDim = Need("vector_in.in_layer.weight", 2)[1],
            ContextInDim = Need("txt_in.weight", 2)[1],
            TimestepEmbeddingDim = Need("time_in.in_layer.weight", 2)[1],
            GuidanceEmbed = names.Contains("guidance_in.in_layer.weight"),

            // FLUX.1 splits the head dimension 1/8 : 7/16 : 7/16 over (index, row, column): [16, 56, 56] at 128.
            AxesDim = axesDim ?? [headDim / 8, headDim * 7 / 16, headDim * 7 / 16],
        };
    }

    private static int[]? ReadDiffusersAxes(string source)
    {
        string folder = Directory.Exists(source) ? source : Path.GetDirectoryName(Path.GetFullPath(source)) ?? ".";
        string configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(configPath));
            if (doc.RootElement.TryGetProperty("axes_dims_rope", out var axes) && axes.ValueKind == JsonValueKind.Array)
            {
                return [.. axes.EnumerateArray().Select(a => a.GetInt32())];
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException($"{configPath} is not a valid diffusers config: {ex.Message}", ex);
        }

        return null;
    }
}
