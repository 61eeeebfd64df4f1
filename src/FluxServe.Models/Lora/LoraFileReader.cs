using System.Globalization;
using System.Text.Json;
using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Flux;

namespace FluxServe.Models.Lora;

/// <summary>
/// Reads a LoRA safetensors file into per-layer targets (spec/lora.md §2 key matching, §3 adapter types, §4 checks).
/// Every key must be used: unknown keys, keys of unsupported adapter types and misshapen tensors are collected and
/// reported together, by name, in one <see cref="LoraFormatException"/>.
/// </summary>
internal static class LoraFileReader
{
    private const int MaxListed = 40;

    public static LoraAdapter Read(SafetensorsFile file, FluxConfig config, Device device)
    {
        var map = LoraKeyMap.ForFlux(config);
        var groups = new Dictionary<string, StemGroup>(StringComparer.Ordinal);
        var unknown = new List<string>();
        var problems = new List<string>();
        foreach (var entry in file.Entries)
        {
            if (!TryClassify(entry.Name, map, out string stem, out var slice, out var role, out string note))
            {
                unknown.Add(entry.Name);
                continue;
            }

            if (role == LoraKeyRole.Unsupported)
            {
                problems.Add($"'{entry.Name}': {note}");
                continue;
            }

            if (!groups.TryGetValue(stem, out var group))
            {
                groups[stem] = group = new StemGroup(stem, slice);
            }

            if (!group.Keys.TryAdd(role, entry.Name))
            {
                problems.Add($"'{entry.Name}' and '{group.Keys[role]}' are both the {role} tensor of '{stem}'");
            }

            if (role is LoraKeyRole.Up or LoraKeyRole.Down)
            {
                group.PairConventions.Add(note);
            }
        }

        if (file.Entries.Count == 0)
        {
            problems.Add("the file holds no tensors");
        }

        if (unknown.Count > 0)
        {
            problems.Add(
                $"{unknown.Count} key(s) match no layer of FLUX.1-{config.Variant} ({config.Depth} double + {config.DepthSingleBlocks} single blocks, hidden {config.HiddenSize}) "
                + $"in any known LoRA naming: {List(unknown)}");
        }

        var loaded = new List<Tensor>();
        try
        {
            var patches = new PatchSet();
            foreach (var group in groups.Values)
            {
                BuildPatches(file, group, map, patches, loaded, problems);
            }

            if (problems.Count > 0)
            {
                patches.DisposeUnowned();
                throw new LoraFormatException(
                    $"{file.FilePath}: cannot be used as a LoRA for FLUX.1-{config.Variant}:{Environment.NewLine}  - "
                    + string.Join(Environment.NewLine + "  - ", problems));
            }

            var targets = BuildTargets(map, patches, device);
            var warnings = MetadataWarnings(file.Metadata, groups.Values.Any(g => g.Keys.ContainsKey(LoraKeyRole.Alpha)));
            var summary = new LoraSummary(
                file.FilePath,
                [.. groups.Values.Select(g => g.Slice.Format).Distinct().Order()],
                [.. patches.Kinds.Order()],
                file.Entries.Count,
                targets.Values.Count(t => t.Component == LoraComponent.Transformer),
                targets.Values.Count(t => t.Component == LoraComponent.ClipText),
                targets.Values.Count(t => t.Component == LoraComponent.T5),
                groups.Values.Where(g => g.Slice.Component != LoraComponent.Transformer).Sum(g => g.Keys.Count),
                targets.Values.Select(t => t.Rank).DefaultIfEmpty(0).Max(),
                targets.Values.Sum(t => t.ByteLength),
                warnings);
            return new LoraAdapter(file.FilePath, device, targets, summary);
        }
        finally
        {
            foreach (var t in loaded)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>Splits a key into (stem, role) by the longest accepted suffix whose stem names a layer.</summary>
    private static bool TryClassify(string key, LoraKeyMap map, out string stem, out LoraSlice slice, out LoraKeyRole role, out string note)
    {
        (stem, slice, role, note) = (string.Empty, default, default, string.Empty);
        int best = -1;
        foreach (var (suffix, r, n) in LoraKeySuffixes.All)
        {
            if (suffix.Length > best && key.Length > suffix.Length && key.EndsWith(suffix, StringComparison.Ordinal)
                && map.TryResolve(key[..^suffix.Length], out var s))
            {
                (stem, slice, role, note, best) = (key[..^suffix.Length], s, r, n, suffix.Length);
            }
        }

        return best >= 0;
    }

    private static void BuildPatches(SafetensorsFile file, StemGroup group, LoraKeyMap map, PatchSet patches, List<Tensor> loaded, List<string> problems)
    {
        var keys = group.Keys;
        string stem = group.Stem;
        bool lora = keys.ContainsKey(LoraKeyRole.Up) || keys.ContainsKey(LoraKeyRole.Down);
        bool loha = keys.Keys.Any(r => r is >= LoraKeyRole.HadaW1A and <= LoraKeyRole.HadaW2B);
        bool lokr = keys.Keys.Any(r => r is >= LoraKeyRole.LokrW1 and <= LoraKeyRole.LokrW2B);
        if ((lora ? 1 : 0) + (loha ? 1 : 0) + (lokr ? 1 : 0) > 1)
        {
            problems.Add($"'{stem}' mixes adapter types ({string.Join(", ", keys.Values)})");
            return;
        }

        if (group.PairConventions.Count > 1)
        {
            problems.Add($"'{stem}' mixes up/down naming conventions ({string.Join(", ", keys.Values)})");
            return;
        }

        bool isTransformer = group.Slice.Component == LoraComponent.Transformer;
        int? inFeatures = isTransformer ? map.TransformerLayers[group.Slice.Module].In : null;
        float? alpha = null;
        if (keys.TryGetValue(LoraKeyRole.Alpha, out string? alphaKey))
        {
            using var a = file.GetTensor(alphaKey);
            float value = a.Length == 1 && a.DType.IsFloatingPoint() ? LoraHost.ToSingles(a)[0] : float.NaN;
            if (!float.IsFinite(value))
            {
                problems.Add($"'{alphaKey}' must be one finite number, got {a.DType} {Tensor.FormatShape(a.Shape)}");
                return;
            }

            alpha = value;
            if (!lora && !loha && !lokr)
            {
                problems.Add($"'{alphaKey}' is an alpha without adapter tensors for '{stem}'");
                return;
            }
        }

        Tensor? Matrix(LoraKeyRole role)
        {
            if (!keys.TryGetValue(role, out string? key))
            {
                return null;
            }

            using var raw = file.GetTensor(key);
            var m = raw.DType.IsFloatingPoint() ? LoraHost.AsMatrix(raw) : null;
            if (m is null)
            {
                problems.Add($"'{key}' must be a float matrix, got {raw.DType} {Tensor.FormatShape(raw.Shape)}");
                return null;
            }

            loaded.Add(m);
            return m;
        }

        string Shape(Tensor t) => Tensor.FormatShape(t.Shape);
        var slice = group.Slice;
        string target = slice.RowCount < 0 ? $"'{slice.Module}'" : $"rows [{slice.RowOffset}, {slice.RowOffset + slice.RowCount}) of '{slice.Module}'";

        // Output rows must fill the slice (spec §4); a text-encoder slice takes its height from the file.
        bool RowsFit(Tensor t, string what)
        {
            int rows = t.Dim(0);
            if ((slice.RowCount >= 0 && rows != slice.RowCount) || (slice.SwapHalves && rows % 2 != 0))
            {
                problems.Add($"'{stem}' {what} has shape {Shape(t)} but {target} need {slice.RowCount} rows");
                return false;
            }

            return true;
        }

        bool ColumnsFit(Tensor t, string what)
        {
            if (inFeatures is { } k && t.Dim(1) != k)
            {
                problems.Add($"'{stem}' {what} has shape {Shape(t)} but '{slice.Module}' takes {k} input features");
                return false;
            }

            return true;
        }

        LoraSlice Sized(int rows) => slice.RowCount >= 0 ? slice : slice with { RowCount = rows };

        // DoRA's magnitude runs along the output rows when it has one entry per row (ComfyUI's test), else along the inputs.
        bool dora = keys.TryGetValue(LoraKeyRole.DoraScale, out string? doraKey);
        Dora? Magnitude(int rows, int cols)
        {
            using var t = file.GetTensor(doraKey!);
            float[] values = t.DType.IsFloatingPoint() ? LoraHost.ToSingles(t) : [];
            bool onOutput = t.Rank >= 1 && t.Dim(0) == rows && values.Length == rows;
            if (!onOutput && values.Length != cols)
            {
                problems.Add($"'{doraKey}' has shape {Shape(t)} but a DoRA magnitude for {target} has {rows} (per output row) or {cols} (per input feature) entries");
                return null;
            }

            return new Dora(values, onOutput);
        }

        if (dora && !lora && !loha && !lokr)
        {
            problems.Add($"'{doraKey}' is a DoRA magnitude without adapter tensors for '{stem}'");
            return;
        }

        if (lora)
        {
            var up = Matrix(LoraKeyRole.Up);
            var down = Matrix(LoraKeyRole.Down);
            if (up is null || down is null)
            {
                if (!keys.ContainsKey(LoraKeyRole.Up) || !keys.ContainsKey(LoraKeyRole.Down))
                {
                    problems.Add($"'{stem}' has {(up is null ? "a down" : "an up")} matrix ('{string.Join("', '", keys.Values)}') but no {(up is null ? "up" : "down")} matrix");
                }

                return;
            }

            if (up.Dim(1) != down.Dim(0))
            {
                problems.Add($"'{stem}' up {Shape(up)} and down {Shape(down)} disagree on the rank");
                return;
            }

            if (RowsFit(up, "up") && ColumnsFit(down, "down"))
            {
                // spec §1: scale = alpha / rank with rank = rows of down; no alpha → 1.
                float scale = alpha is { } al ? al / down.Dim(0) : 1f;
                var magnitude = dora ? Magnitude(up.Dim(0), down.Dim(1)) : null;
                if (!dora || magnitude is not null)
                {
                    patches.Add(LoraAdapterKind.LoRA, new LowRankPatch(Sized(up.Dim(0)), down, up, scale, stem), magnitude);
                }
            }

            return;
        }

        if (loha)
        {
            var w1a = Matrix(LoraKeyRole.HadaW1A);
            var w1b = Matrix(LoraKeyRole.HadaW1B);
            var w2a = Matrix(LoraKeyRole.HadaW2A);
            var w2b = Matrix(LoraKeyRole.HadaW2B);
            if (w1a is null || w1b is null || w2a is null || w2b is null)
            {
                problems.Add($"'{stem}' is a LoHa without all four of hada_w1_a, hada_w1_b, hada_w2_a, hada_w2_b (has '{string.Join("', '", keys.Values)}')");
                return;
            }

            if (w1a.Dim(1) != w1b.Dim(0) || w2a.Dim(1) != w2b.Dim(0) || w1a.Dim(0) != w2a.Dim(0) || w1b.Dim(1) != w2b.Dim(1))
            {
                problems.Add($"'{stem}' LoHa factors do not fit together: w1 {Shape(w1a)}·{Shape(w1b)}, w2 {Shape(w2a)}·{Shape(w2b)}");
                return;
            }

            if (RowsFit(w1a, "hada_w1_a") && ColumnsFit(w1b, "hada_w1_b"))
            {
                float scale = alpha is { } al ? al / w1b.Dim(0) : 1f;
                var magnitude = dora ? Magnitude(w1a.Dim(0), w1b.Dim(1)) : null;
                if (!dora || magnitude is not null)
                {
                    var (down, up) = KhatriRao(w1a, w1b, w2a, w2b);
                    loaded.Add(down);
                    loaded.Add(up);
                    patches.Add(LoraAdapterKind.LoHa, new LowRankPatch(Sized(up.Dim(0)), down, up, scale, stem), magnitude);
                }
            }

            return;
        }

        if (lokr)
        {
            var w1 = Factor(Matrix(LoraKeyRole.LokrW1), Matrix(LoraKeyRole.LokrW1A), Matrix(LoraKeyRole.LokrW1B));
            var w2 = Factor(Matrix(LoraKeyRole.LokrW2), Matrix(LoraKeyRole.LokrW2A), Matrix(LoraKeyRole.LokrW2B));
            if (w1 is null || w2 is null)
            {
                problems.Add($"'{stem}' is a LoKr without both factors (lokr_w1 or lokr_w1_a+lokr_w1_b, and lokr_w2 or lokr_w2_a+lokr_w2_b; has '{string.Join("', '", keys.Values)}')");
                w1?.Dispose();
                w2?.Dispose();
                return;
            }

            int rows = w1.Rows * w2.Rows, cols = w1.Columns * w2.Columns;
            bool rowsFit = slice.RowCount < 0 || rows == slice.RowCount;
            bool colsFit = inFeatures is null || cols == inFeatures;
            if (!rowsFit || !colsFit || (slice.SwapHalves && rows % 2 != 0))
            {
                problems.Add($"'{stem}' LoKr kron([{w1.Rows}, {w1.Columns}], [{w2.Rows}, {w2.Columns}]) is [{rows}, {cols}] but {target} is [{(slice.RowCount < 0 ? rows : slice.RowCount)}, {inFeatures ?? cols}]");
                w1.Dispose();
                w2.Dispose();
                return;
            }

            // ComfyUI: the rank is that of the factored w2, else of the factored w1; neither factored → scale 1.
            int? dim = w2.IsFactored ? w2.B!.Dim(0) : w1.IsFactored ? w1.B!.Dim(0) : null;
            float scale = alpha is { } al && dim is { } r ? al / r : 1f;
            var kronMagnitude = dora ? Magnitude(rows, cols) : null;
            if (dora && kronMagnitude is null)
            {
                w1.Dispose();
                w2.Dispose();
                return;
            }

            patches.AddKronecker(new LoraSlice(slice.Module, slice.Component, slice.Format, slice.RowOffset, rows, slice.SwapHalves), w1, w2, scale, stem, cols, kronMagnitude);
            return;
        }

        if (keys.ContainsKey(LoraKeyRole.WeightDifference))
        {
            var diff = Matrix(LoraKeyRole.WeightDifference);
            if (diff is not null && RowsFit(diff, "weight difference") && ColumnsFit(diff, "weight difference"))
            {
                patches.AddDifference(Sized(diff.Dim(0)), diff, stem);
            }
        }

        if (keys.TryGetValue(LoraKeyRole.BiasDifference, out string? biasKey))
        {
            var bias = file.GetTensor(biasKey);
            loaded.Add(bias);
            if (bias.Rank != 1 || !bias.DType.IsFloatingPoint() || (slice.RowCount >= 0 && bias.Dim(0) != slice.RowCount))
            {
                problems.Add($"'{biasKey}' has shape {Shape(bias)} but {target} need a float vector of {slice.RowCount} rows");
            }
            else
            {
                patches.AddBias(Sized(bias.Dim(0)), bias, stem);
            }
        }
    }

    private static KroneckerFactor? Factor(Tensor? full, Tensor? a, Tensor? b) =>
        full is not null ? new KroneckerFactor(LoraHost.As(full, full.DType), null, null)
        : a is not null && b is not null && a.Dim(1) == b.Dim(0) ? new KroneckerFactor(null, LoraHost.As(a, a.DType), LoraHost.As(b, b.DType))
        : null;

    /// <summary>
    /// LoHa as an ordinary low-rank pair: <c>((w1a·w1b) ⊙ (w2a·w2b))[o, i] = Σ_pq (w1a[o,p]·w2a[o,q])·(w1b[p,i]·w2b[q,i])</c>,
    /// so down[p·r2+q, i] = w1b[p,i]·w2b[q,i] and up[o, p·r2+q] = w1a[o,p]·w2a[o,q] (rank r1·r2, float32).
    /// </summary>
    private static (Tensor Down, Tensor Up) KhatriRao(Tensor w1a, Tensor w1b, Tensor w2a, Tensor w2b)
    {
        int rows = w1a.Dim(0), cols = w1b.Dim(1), r1 = w1b.Dim(0), r2 = w2b.Dim(0), rank = r1 * r2;
        float[] a1 = LoraHost.ToSingles(w1a), b1 = LoraHost.ToSingles(w1b), a2 = LoraHost.ToSingles(w2a), b2 = LoraHost.ToSingles(w2b);
        var down = new float[rank * cols];
        var up = new float[rows * rank];
        for (int p = 0; p < r1; p++)
        {
            for (int q = 0; q < r2; q++)
            {
                var dst = down.AsSpan(((p * r2) + q) * cols, cols);
                for (int i = 0; i < cols; i++)
                {
                    dst[i] = b1[(p * cols) + i] * b2[(q * cols) + i];
                }
            }
        }

        for (int o = 0; o < rows; o++)
        {
            for (int p = 0; p < r1; p++)
            {
                for (int q = 0; q < r2; q++)
                {
                    up[(o * rank) + (p * r2) + q] = a1[(o * r1) + p] * a2[(o * r2) + q];
                }
            }
        }

        return (LoraHost.FromSingles(down, rank, cols), LoraHost.FromSingles(up, rows, rank));
    }

    private static Dictionary<string, LoraTarget> BuildTargets(LoraKeyMap map, PatchSet patches, Device device)
    {
        var targets = new Dictionary<string, LoraTarget>(StringComparer.Ordinal);
        var problems = new List<string>();
        try
        {
            foreach (var (module, set) in patches.ByModule)
            {
                int outFeatures, inFeatures;
                if (map.TransformerLayers.TryGetValue(module, out var dims))
                {
                    (outFeatures, inFeatures) = dims;
                }
                else
                {
                    // Text encoders: the layer's size comes from the file and is checked against the layer at first use.
                    outFeatures = set.All.Max(p => p.Slice.RowOffset + p.Slice.RowCount);
                    var widths = set.InFeatures.Distinct().ToList();
                    if (widths.Count != 1)
                    {
                        problems.Add($"the keys for '{module}' ({string.Join(", ", set.Stems)}) disagree on its input width ({string.Join(", ", widths)})");
                        continue;
                    }

                    inFeatures = widths[0];
                }

                var paths = new List<LoraSidePath>();
                if (set.LowRank.Count > 0)
                {
                    paths.Add(LowRankSidePath.Build(outFeatures, inFeatures, set.LowRank));
                }

                foreach (var (patch, dora) in set.DoraLowRank)
                {
                    var inner = LowRankSidePath.Build(outFeatures, inFeatures, [patch]);
                    paths.Add(new DoraSidePath(outFeatures, inFeatures, patch.Slice, inner, dora.Magnitude, dora.OnOutputAxis));
                }

                foreach (var (slice, w1, w2, scale, dora) in set.Kronecker)
                {
                    var kron = new KroneckerSidePath(outFeatures, inFeatures, slice, w1, w2, scale);
                    paths.Add(dora is null ? kron : new DoraSidePath(outFeatures, inFeatures, slice, kron, dora.Magnitude, dora.OnOutputAxis));
                }

                foreach (var (slice, diff) in set.Differences)
                {
                    paths.Add(new DifferenceSidePath(outFeatures, inFeatures, slice, LoraHost.As(diff, diff.DType)));
                }

                if (set.Biases.Count > 0)
                {
                    paths.Add(BiasSidePath.Build(outFeatures, inFeatures, set.Biases));
                }

                var component = set.All.First().Slice.Component;
                var target = new LoraTarget(module, component, outFeatures, inFeatures, [.. paths], [.. set.Stems.Distinct()]);
                if (device != Device.Cpu)
                {
                    var host = target;
                    target = host.To(device);
                    host.Dispose();
                }

                targets.Add(module, target);
            }

            // The Kronecker factors now belong to their side paths.
            patches.Kronecker.Clear();
            if (problems.Count > 0)
            {
                throw new LoraFormatException("The LoRA cannot be used:" + Environment.NewLine + "  - " + string.Join(Environment.NewLine + "  - ", problems));
            }

            return targets;
        }
        catch
        {
            foreach (var t in targets.Values)
            {
                t.Dispose();
            }

            patches.DisposeUnowned();
            throw;
        }
    }

    /// <summary>
    /// ComfyUI counts only <c>.alpha</c> tensors (spec §2); trainers that keep alpha in the metadata instead get a
    /// warning when that alpha would have changed the scale.
    /// </summary>
    private static List<string> MetadataWarnings(IReadOnlyDictionary<string, string> metadata, bool hasAlphaTensors)
    {
        var warnings = new List<string>();
        if (hasAlphaTensors)
        {
            return warnings;
        }

        static bool Number(string? s, out double value) =>
            double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

        if (metadata.TryGetValue("lora_adapter_metadata", out string? json))
        {
            try
            {
                using var doc = JsonDocument.Parse(json);
                var root = doc.RootElement;
                if (root.ValueKind == JsonValueKind.Object
                    && root.TryGetProperty("lora_alpha", out var alphaElement) && alphaElement.TryGetDouble(out double alpha)
                    && root.TryGetProperty("r", out var rankElement) && rankElement.TryGetDouble(out double rank)
                    && rank > 0 && alpha != rank)
                {
                    warnings.Add(string.Create(CultureInfo.InvariantCulture, $"metadata lora_adapter_metadata says lora_alpha {alpha} and r {rank} (scale {alpha / rank:0.###}), but the file has no .alpha tensors; like ComfyUI, scale 1 is used"));
                }
            }
            catch (JsonException)
            {
                warnings.Add("metadata lora_adapter_metadata is not valid JSON; ignored");
            }
        }

        if (Number(metadata.GetValueOrDefault("ss_network_alpha"), out double kohyaAlpha)
            && Number(metadata.GetValueOrDefault("ss_network_dim"), out double kohyaDim) && kohyaDim > 0 && kohyaAlpha != kohyaDim)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"metadata says ss_network_alpha {kohyaAlpha} and ss_network_dim {kohyaDim}, but the file has no .alpha tensors; like ComfyUI, scale 1 is used"));
        }

        return warnings;
    }

    private static string List(List<string> names)
    {
        string listed = "'" + string.Join("', '", names.Take(MaxListed)) + "'";
        return names.Count > MaxListed ? $"{listed} (and {names.Count - MaxListed} more)" : listed;
    }

    /// <summary>A DoRA magnitude vector and the axis it runs along.</summary>
    private sealed record Dora(float[] Magnitude, bool OnOutputAxis);

    /// <summary>The keys of one stem by role.</summary>
    private sealed class StemGroup(string stem, LoraSlice slice)
    {
        public string Stem { get; } = stem;

        public LoraSlice Slice { get; } = slice;

        public Dictionary<LoraKeyRole, string> Keys { get; } = [];

        public HashSet<string> PairConventions { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>The patches of a file, grouped by the layer they land on.</summary>
    private sealed class PatchSet
    {
        public Dictionary<string, ModulePatches> ByModule { get; } = new(StringComparer.Ordinal);

        public HashSet<LoraAdapterKind> Kinds { get; } = [];

        public List<KroneckerFactor> Kronecker { get; } = [];

        public void Add(LoraAdapterKind kind, LowRankPatch patch, Dora? dora)
        {
            Kinds.Add(kind);
            var m = For(patch.Slice.Module);
            if (dora is null)
            {
                m.LowRank.Add(patch);
            }
            else
            {
                Kinds.Add(LoraAdapterKind.DoRA);
                m.DoraLowRank.Add((patch, dora));
            }

            m.Note(patch.Slice, patch.Down.Dim(1), patch.Stem);
        }

        public void AddKronecker(LoraSlice slice, KroneckerFactor w1, KroneckerFactor w2, float scale, string stem, int inFeatures, Dora? dora)
        {
            Kinds.Add(LoraAdapterKind.LoKr);
            Kronecker.Add(w1);
            Kronecker.Add(w2);
            var m = For(slice.Module);
            m.Kronecker.Add((slice, w1, w2, scale, dora));
            if (dora is not null)
            {
                Kinds.Add(LoraAdapterKind.DoRA);
            }

            m.Note(slice, inFeatures, stem);
        }

        public void AddDifference(LoraSlice slice, Tensor difference, string stem)
        {
            Kinds.Add(LoraAdapterKind.Difference);
            var m = For(slice.Module);
            m.Differences.Add((slice, difference));
            m.Note(slice, difference.Dim(1), stem);
        }

        public void AddBias(LoraSlice slice, Tensor bias, string stem)
        {
            Kinds.Add(LoraAdapterKind.Difference);
            var m = For(slice.Module);
            m.Biases.Add((slice, bias));
            m.Note(slice, null, stem);
        }

        /// <summary>Disposes Kronecker factors that no side path took over.</summary>
        public void DisposeUnowned()
        {
            foreach (var f in Kronecker)
            {
                f.Dispose();
            }

            Kronecker.Clear();
        }

        private ModulePatches For(string module)
        {
            if (!ByModule.TryGetValue(module, out var m))
            {
                ByModule[module] = m = new ModulePatches();
            }

            return m;
        }
    }

    private sealed class ModulePatches
    {
        public List<LowRankPatch> LowRank { get; } = [];

        public List<(LowRankPatch Patch, Dora Dora)> DoraLowRank { get; } = [];

        public List<(LoraSlice Slice, KroneckerFactor W1, KroneckerFactor W2, float Scale, Dora? Dora)> Kronecker { get; } = [];

        public List<(LoraSlice Slice, Tensor Difference)> Differences { get; } = [];

        public List<(LoraSlice Slice, Tensor Bias)> Biases { get; } = [];

        public List<(LoraSlice Slice, string Stem)> All { get; } = [];

        public List<int> InFeatures { get; } = [];

        public IEnumerable<string> Stems => All.Select(a => a.Stem);

        public void Note(LoraSlice slice, int? inFeatures, string stem)
        {
            All.Add((slice, stem));
            if (inFeatures is { } k)
            {
                InFeatures.Add(k);
            }
        }
    }
}
