using FluxServe.Engine;
using FluxServe.Engine.Safetensors;

namespace FluxServe.Models.Checkpoints;

/// <summary>
/// The model-independent half of every loader: maps a checkpoint's names onto canonical ones, checks the plan
/// against the expected (name, shape) list before any data is read, and materialises the tensors one at a time.
/// </summary>
/// <remarks>
/// On the CPU a <see cref="RecipeKind.Direct"/> tensor is a zero-copy view of the memory map in its stored dtype, so
/// loading holds one copy of the weights; concatenations and swaps are made one tensor at a time. Vectors (biases,
/// norm weights) are widened to float32 because element-wise ops read float32.
/// </remarks>
internal static class CheckpointAssembler
{
    private const string ScaleWeightSuffix = ".scale_weight";
    private const string ScaleInputSuffix = ".scale_input";

    /// <summary>
    /// Recipes for the names under <paramref name="prefix"/> (stripped), renamed by <paramref name="rename"/> (null =
    /// skip the name as belonging to something else), with ComfyUI's fp8 "scaled" extras: <c>X.scale_weight</c>
    /// becomes the scale of <c>X.weight</c>; <c>X.scale_input</c> and the <c>scaled_fp8</c> marker are consumed (they
    /// only matter for fp8 × fp8 matmuls; weights are widened here).
    /// </summary>
    public static (Dictionary<string, TensorRecipe> Recipes, Dictionary<string, float> Scales) Direct(
        SafetensorsCheckpoint checkpoint, string prefix, Func<string, string?> rename)
    {
        var recipes = new Dictionary<string, TensorRecipe>(StringComparer.Ordinal);
        var scales = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (string name in checkpoint.Names)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            string rest = name[prefix.Length..];
            if (rest == "scaled_fp8" || rest.EndsWith(ScaleInputSuffix, StringComparison.Ordinal))
            {
                continue;
            }

            if (rest.EndsWith(ScaleWeightSuffix, StringComparison.Ordinal))
            {
                string? weight = rename(rest[..^ScaleWeightSuffix.Length] + ".weight");
                if (weight is not null)
                {
                    scales[weight] = ReadScalar(checkpoint, name);
                }

                continue;
            }

            if (rename(rest) is { } canonical && !recipes.TryAdd(canonical, new TensorRecipe(RecipeKind.Direct, [name])))
            {
                throw new CheckpointException(
                    $"{checkpoint.SourcePath}: tensors '{recipes[canonical].Sources[0]}' and '{name}' both provide '{canonical}'.");
            }
        }

        return (recipes, scales);
    }

    /// <summary>The shape a recipe produces, or null when a source is missing or the sources do not concatenate.</summary>
    public static int[]? RecipeShape(TensorRecipe recipe, Func<string, int[]?> shapeOf)
    {
        var first = shapeOf(recipe.Sources[0]);
        if (first is not null && recipe.Reshape is not null)
        {
            return Tensor.ComputeLength(first) == Tensor.ComputeLength(recipe.Reshape) ? recipe.Reshape : first;
        }

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

    /// <summary>Every expected tensor present with its shape, nothing extra: else one exception listing the problems.</summary>
    public static void Validate(SafetensorsCheckpoint checkpoint, CheckpointPlan plan, IReadOnlyList<KeyValuePair<string, int[]>> expected)
    {
        int[]? SourceShape(string n) => checkpoint.TryGetEntry(n, out var e) ? e.Shape : null;
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
                problems.AddRange(missing.Select(n => $"missing tensor '{n}' (part of '{name}', expected shape {Tensor.FormatShape(shape)} in canonical naming)"));
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

        problems.AddRange(plan.Unmatched.Select(n => $"unexpected tensor '{n}'"));
        problems.AddRange(plan.Scales.Keys.Where(n => !expectedNames.Contains(n)).Select(n => $"weight scale for unknown tensor '{n}'"));
        if (problems.Count > 0)
        {
            const int Shown = 12;
            string more = problems.Count > Shown ? $"; and {problems.Count - Shown} more" : string.Empty;
            throw new CheckpointException($"{checkpoint.SourcePath} is not a valid {plan.Description}: {string.Join("; ", problems.Take(Shown))}{more}.");
        }
    }

    /// <summary>
    /// Reads the expected tensors one by one onto <paramref name="device"/>; with <paramref name="widenAll"/> every
    /// tensor becomes float32 (for small models whose convolutions read float32 weights).
    /// </summary>
    public static WeightSet Materialise(
        SafetensorsCheckpoint checkpoint, CheckpointPlan plan, IReadOnlyList<KeyValuePair<string, int[]>> expected, Device device, bool widenAll = false)
    {
        var weights = new WeightSet { Source = checkpoint.SourcePath };
        try
        {
            foreach (var (name, _) in expected)
            {
                weights.Add(name, Materialise(checkpoint, plan.Recipes[name], device, widenAll));
            }

            foreach (var (name, scale) in plan.Scales)
            {
                weights.SetScale(name, scale);
            }

            return weights;
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>The highest block index + 1 among names <c>{prefix}{index}.…</c>.</summary>
    public static int CountBlocks(IEnumerable<string> names, string prefix)
    {
        int count = 0;
        foreach (string n in names)
        {
            if (n.StartsWith(prefix, StringComparison.Ordinal))
            {
                int end = n.IndexOf('.', prefix.Length);
                if (end > prefix.Length && int.TryParse(n.AsSpan(prefix.Length, end - prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
                {
                    count = Math.Max(count, index + 1);
                }
            }
        }

        return count;
    }

    private static Tensor Materialise(SafetensorsCheckpoint checkpoint, TensorRecipe recipe, Device device, bool widenAll)
    {
        Tensor host = recipe.Kind switch
        {
            RecipeKind.Direct => DirectTensor(checkpoint, recipe),
            RecipeKind.ConcatRows => ConcatRows(checkpoint, recipe.Sources),
            RecipeKind.SwapHalves => SwapHalves(checkpoint, recipe.Sources[0]),
            _ => throw new InvalidOperationException("Unknown recipe."),
        };

        if (!host.DType.IsFloatingPoint())
        {
            string dtype = host.DType.ToString();
            host.Dispose();
            throw new CheckpointException($"Tensor '{recipe.Sources[0]}' in {checkpoint.FileOf(recipe.Sources[0])} has dtype {dtype}; a float type is required.");
        }

        // Vectors (biases, norm weights) feed element-wise float32 ops; matrices stay in their stored dtype.
        if ((widenAll || host.Rank < 2) && host.DType != DType.F32)
        {
            var widened = host.Cast(DType.F32);
            host.Dispose();
            host = widened;
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

    private static Tensor DirectTensor(SafetensorsCheckpoint checkpoint, TensorRecipe recipe)
    {
        var tensor = checkpoint.GetTensor(recipe.Sources[0]);
        if (recipe.Reshape is null)
        {
            return tensor;
        }

        using (tensor)
        {
            return tensor.Reshape(recipe.Reshape);
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

            int[] shape = parts[0].Shape.ToArray();
            shape[0] = parts.Sum(p => p.Dim(0));
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
            throw new CheckpointException($"Tensor '{source}' in {checkpoint.FileOf(source)} has {t.Dim(0)} rows; its two halves need an even count.");
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
        if (t.Length != 1 || !t.DType.IsFloatingPoint())
        {
            throw new CheckpointException($"Weight scale '{name}' in {checkpoint.FileOf(name)} must be one float; it is {t.DType} {Tensor.FormatShape(t.Shape)}.");
        }

        using var f = t.DType == DType.F32 ? t.Reshape(t.Shape) : t.Cast(DType.F32);
        return f.AsSpan<float>()[0];
    }
}
