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
        var plan = Plan(checkpoint, resolved);
        var expected = FluxTensorNames.Expected(plan.Config);
        Validate(checkpoint, plan, expected, resolved);

        var weights = new WeightSet { Source = resolved };
        try
        {
            foreach (var (name, _) in expected)
            {
                weights.Add(name, Materialise(checkpoint, plan.Recipes[name], device));
            }

            foreach (var (name, scale) in plan.Scales)
            {
                weights.SetScale(name, scale);
            }
        }
        catch
        {
            weights.Dispose();
            throw;
        }

        return (plan.Config, weights, plan.Layout);
    }

    private static LoadPlan Plan(SafetensorsCheckpoint checkpoint, string source)
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

        var recipes = new Dictionary<string, TensorRecipe>(StringComparer.Ordinal);
        var scales = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                // An all-in-one ComfyUI checkpoint also holds the VAE and text encoders under other prefixes.
                continue;
            }

            string rest = name[prefix.Length..];
            if (rest == "scaled_fp8" || rest.EndsWith(".scale_input", StringComparison.Ordinal))
            {
                // scale_input only matters for fp8 × fp8 matmuls; we widen weights and compute in float.
                continue;
            }

            if (rest.EndsWith(".scale_weight", StringComparison.Ordinal))
            {
                scales[rest[..^".scale_weight".Length] + ".weight"] = ReadScalar(checkpoint, name);
                continue;
            }

            recipes[rest] = new TensorRecipe(RecipeKind.Direct, [name]);
        }

        var config = InferConfig(source, n => recipes.TryGetValue(n, out var r) ? checkpoint.GetEntry(r.Sources[0]).Shape : null, recipes.Keys, null);
        return new LoadPlan(prefix.Length == 0 ? FluxCheckpointLayout.Bfl : FluxCheckpointLayout.ComfyUi, config, recipes, scales, []);
    }

    private static LoadPlan DiffusersPlan(SafetensorsCheckpoint checkpoint, string source)
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

        int depth = CountBlocks(checkpoint.Names, "transformer_blocks.");
        int single = CountBlocks(checkpoint.Names, "single_transformer_blocks.");
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
            bfl => recipes.TryGetValue(bfl, out var r) ? RecipeShape(r, Shape) : null,
            bflNames,
            axes);
        return new LoadPlan(FluxCheckpointLayout.Diffusers, config, recipes, new Dictionary<string, float>(), unmatched);
    }

    private static int[]? RecipeShape(TensorRecipe recipe, Func<string, int[]?> shapeOf)
    {
        var first = shapeOf(recipe.Sources[0]);
        if (first is null || recipe.Kind != RecipeKind.ConcatRows)
        {
            return first;
        }

        int[] shape = (int[])first.Clone();
        for (int i = 1; i < recipe.Sources.Length; i++)
        {
            var s = shapeOf(recipe.Sources[i]);
            if (s is null || s.Length != shape.Length || s.Length == 0 || !s.AsSpan(1).SequenceEqual(shape.AsSpan(1)))
            {
                return null;
            }

            shape[0] += s[0];
        }

        return shape;
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
            Depth = CountBlocks(names, "double_blocks."),
            DepthSingleBlocks = CountBlocks(names, "single_blocks."),
            VecInDim = Need("vector_in.in_layer.weight", 2)[1],
            ContextInDim = Need("txt_in.weight", 2)[1],
            TimestepEmbeddingDim = Need("time_in.in_layer.weight", 2)[1],
            GuidanceEmbed = names.Contains("guidance_in.in_layer.weight"),

            // FLUX.1 splits the head dimension 1/8 : 7/16 : 7/16 over (index, row, column): [16, 56, 56] at 128.
            AxesDim = axesDim ?? [headDim / 8, headDim * 7 / 16, headDim * 7 / 16],
        };
    }

    private static void Validate(SafetensorsCheckpoint checkpoint, LoadPlan plan, IReadOnlyList<KeyValuePair<string, int[]>> expected, string source)
    {
        int[]? SourceShape(string n) => checkpoint.Contains(n) ? checkpoint.GetEntry(n).Shape : null;
        var problems = new List<string>();
        var expectedNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, shape) in expected)
        {
            expectedNames.Add(name);
            if (!plan.Recipes.TryGetValue(name, out var recipe))
            {
                problems.Add($"missing tensor '{name}' (expected shape {Tensor.FormatShape(shape)})");
                continue;
            }

            var missing = recipe.Sources.Where(n => !checkpoint.Contains(n)).ToList();
            if (missing.Count > 0)
            {
                problems.AddRange(missing.Select(n => $"missing tensor '{n}' (part of '{name}', expected shape {Tensor.FormatShape(shape)} in BFL naming)"));
                continue;
            }

            var actual = RecipeShape(recipe, SourceShape);
            if (actual is null || !actual.AsSpan().SequenceEqual(shape))
            {
                string found = actual is null
                    ? string.Join(", ", recipe.Sources.Select(n => $"{n} {Tensor.FormatShape(SourceShape(n))}"))
                    : Tensor.FormatShape(actual);
                problems.Add($"tensor '{string.Join("' + '", recipe.Sources)}' has shape {found}; expected {Tensor.FormatShape(shape)}");
            }
        }

        foreach (string extra in plan.Recipes.Keys.Where(n => !expectedNames.Contains(n)).Order(StringComparer.Ordinal))
        {
            problems.Add($"unexpected tensor '{plan.Recipes[extra].Sources[0]}'");
        }

        foreach (string extra in plan.Unmatched)
        {
            problems.Add($"unexpected tensor '{extra}'");
        }

        foreach (string scaled in plan.Scales.Keys.Where(n => !expectedNames.Contains(n)))
        {
            problems.Add($"weight scale for unknown tensor '{scaled}'");
        }

        if (problems.Count > 0)
        {
            throw Problems(source, plan, problems);
        }
    }

    private static CheckpointException Problems(string source, LoadPlan plan, List<string> problems)
    {
        const int Shown = 12;
        string list = string.Join("; ", problems.Take(Shown));
        string more = problems.Count > Shown ? $"; and {problems.Count - Shown} more" : string.Empty;
        return new CheckpointException(
            $"{source} is not a valid FLUX.1-{plan.Config.Variant} transformer ({plan.Layout} layout, depth {plan.Config.Depth}+{plan.Config.DepthSingleBlocks}): {list}{more}.");
    }

    private static Tensor Materialise(SafetensorsCheckpoint checkpoint, TensorRecipe recipe, Device device)
    {
        Tensor host = recipe.Kind switch
        {
            RecipeKind.Direct => checkpoint.GetTensor(recipe.Sources[0]),
            RecipeKind.ConcatRows => ConcatRows(checkpoint, recipe.Sources),
            RecipeKind.SwapHalves => SwapHalves(checkpoint, recipe.Sources[0]),
            _ => throw new InvalidOperationException("Unknown recipe."),
        };

        // Vectors (biases, norm scales) feed element-wise float32 ops; matrices stay in their stored dtype.
        if (host.Rank < 2 && host.DType != DType.F32)
        {
            var widened = host.Cast(DType.F32);
            host.Dispose();
            host = widened;
        }
        else if (host.Rank == 2 && !host.DType.IsFloatingPoint())
        {
            string dtype = host.DType.ToString();
            host.Dispose();
            throw new CheckpointException($"Weight '{recipe.Sources[0]}' in {checkpoint.FileOf(recipe.Sources[0])} has dtype {dtype}; a float type is required.");
        }

        if (device.Kind == DeviceKind.Cpu)
        {
            return host;
        }

        using (host)
        {
            return host.To(device);
        }
    }

    private static Tensor ConcatRows(SafetensorsCheckpoint checkpoint, string[] sources)
    {
        var parts = sources.Select(checkpoint.GetTensor).ToArray();
        try
        {
            var dtype = parts[0].DType;
            if (parts.Any(p => p.DType != dtype))
            {
                throw new CheckpointException(
                    $"Tensors {string.Join(", ", sources)} must share one dtype to be concatenated; found {string.Join(", ", parts.Select(p => p.DType))}.");
            }

            int rows = parts.Sum(p => p.Dim(0));
            int[] shape = parts[0].Shape.ToArray();
            shape[0] = rows;
            var result = Tensor.Empty(shape, dtype);
            var dst = result.AsBytes();
            int offset = 0;
            foreach (var p in parts)
            {
                var src = p.AsBytes();
                src.CopyTo(dst[offset..]);
                offset += src.Length;
            }

            return result;
        }
        finally
        {
            foreach (var p in parts)
            {
                p.Dispose();
            }
        }
    }

    private static Tensor SwapHalves(SafetensorsCheckpoint checkpoint, string source)
    {
        using var t = checkpoint.GetTensor(source);
        if (t.Dim(0) % 2 != 0)
        {
            throw new CheckpointException($"Tensor '{source}' in {checkpoint.FileOf(source)} has {t.Dim(0)} rows; its (scale, shift) halves need an even count.");
        }

        var result = Tensor.Empty(t.Shape, t.DType);
        var src = t.AsBytes();
        var dst = result.AsBytes();
        int half = src.Length / 2;
        src[half..].CopyTo(dst);
        src[..half].CopyTo(dst[half..]);
        return result;
    }

    private static float ReadScalar(SafetensorsCheckpoint checkpoint, string name)
    {
        using var t = checkpoint.GetTensor(name);
        if (t.Length != 1)
        {
            throw new CheckpointException($"Weight scale '{name}' in {checkpoint.FileOf(name)} must hold one value; it has shape {Tensor.FormatShape(t.Shape)}.");
        }

        using var f = t.DType == DType.F32 ? t.Reshape(t.Shape) : t.Cast(DType.F32);
        return f.AsSpan<float>()[0];
    }

    private static int CountBlocks(IEnumerable<string> names, string prefix)
    {
        int count = 0;
        foreach (string n in names)
        {
            if (n.StartsWith(prefix, StringComparison.Ordinal))
            {
                int end = n.IndexOf('.', prefix.Length);
                if (end > prefix.Length && int.TryParse(n.AsSpan(prefix.Length, end - prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                {
                    count = Math.Max(count, index + 1);
                }
            }
        }

        return count;
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

    private enum RecipeKind
    {
        Direct,
        ConcatRows,
        SwapHalves,
    }

    private sealed record TensorRecipe(RecipeKind Kind, string[] Sources);

    private sealed record LoadPlan(
        FluxCheckpointLayout Layout,
        FluxConfig Config,
        Dictionary<string, TensorRecipe> Recipes,
        IReadOnlyDictionary<string, float> Scales,
        IReadOnlyList<string> Unmatched);
}
