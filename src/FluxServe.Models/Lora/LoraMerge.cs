using FluxServe.Engine;
using FluxServe.Models.Checkpoints;

namespace FluxServe.Models.Lora;

/// <summary>
/// Folds adapters into a copy of a model's weights, <c>W' = W + Σ strength·ΔW</c> (spec/lora.md §1): the
/// optimisation for a hot endpoint that always runs the same LoRA at the same strength, where the side path's two
/// skinny GEMMs per layer are not worth paying. The run-time side path (<see cref="LoraScope"/>) is the general path.
/// </summary>
/// <remarks>
/// Only patched tensors are copied; all others are shared with the base set (reference-counted, so either set can be
/// disposed first). ΔW is computed and added in float32 and the sum rounded once to the weight's stored dtype
/// (ComfyUI rounds ΔW to the weight dtype before adding, which can differ by one ulp in BF16). fp8 weights become BF16
/// with their scale folded in.
/// </remarks>
public static class LoraMerge
{
    /// <summary>A weight set with <paramref name="activations"/> merged in; layers of other networks (a text encoder's targets in a transformer's set) are skipped.</summary>
    /// <exception cref="ArgumentException">Some, but not all, of an adapter's layers of one network are in the set.</exception>
    public static WeightSet Merge(WeightSet weights, params ReadOnlySpan<LoraActivation> activations)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var patches = new Dictionary<string, List<(LoraTarget Target, float Strength)>>(StringComparer.Ordinal);
        foreach (var a in activations)
        {
            ArgumentNullException.ThrowIfNull(a.Adapter, nameof(activations));
            foreach (var component in a.Adapter.Targets.Select(t => t.Component).Distinct())
            {
                var targets = a.Adapter.Targets.Where(t => t.Component == component).ToList();
                var missing = targets.Where(t => !weights.Contains(t.Name + ".weight")).Select(t => t.Name).ToList();
                if (missing.Count == targets.Count)
                {
                    continue;
                }

                if (missing.Count > 0)
                {
                    throw new ArgumentException($"LoRA '{a.Adapter.Name}' patches layers missing from {weights.Source}: {string.Join(", ", missing)}.", nameof(weights));
                }

                float strength = a.StrengthFor(component);
                if (!float.IsFinite(strength))
                {
                    throw new ArgumentOutOfRangeException(nameof(activations), $"LoRA '{a.Adapter.Name}': strength must be finite, got {strength}.");
                }

                foreach (var target in targets)
                {
                    if (!patches.TryGetValue(target.Name, out var list))
                    {
                        patches[target.Name] = list = [];
                    }

                    list.Add((target, strength));
                }
            }
        }

        var names = string.Join(", ", activations.ToArray().Select(a => $"{a.Adapter.Name}@{a.Strength}"));
        var merged = new WeightSet { Source = $"{weights.Source} + LoRA {names}" };
        try
        {
            foreach (string name in weights.Names)
            {
                var tensor = weights[name];
                if (name.EndsWith(".weight", StringComparison.Ordinal) && patches.TryGetValue(name[..^".weight".Length], out var list))
                {
                    merged.Add(name, MergeWeight(tensor, weights.ScaleOf(name), list));
                    continue;
                }

                if (name.EndsWith(".bias", StringComparison.Ordinal) && patches.TryGetValue(name[..^".bias".Length], out var biasList)
                    && biasList.Exists(p => p.Target.ChangesBias))
                {
                    merged.Add(name, MergeBias(tensor, biasList));
                    continue;
                }

                merged.Add(name, tensor.Reshape(tensor.Shape).Detach());
                float scale = weights.ScaleOf(name);
                if (scale != 1f)
                {
                    merged.SetScale(name, scale);
                }
            }

            // A bias patch on a layer without a bias creates one.
            foreach (var (layer, list) in patches)
            {
                if (list.Exists(p => p.Target.ChangesBias) && !weights.Contains(layer + ".bias"))
                {
                    var target = list[0].Target;
                    var bias = new float[target.OutFeatures];
                    foreach (var (t, s) in list)
                    {
                        t.AddBiasDelta(bias, s);
                    }

                    using var host = Tensor.FromArray(bias, bias.Length).Detach();
                    merged.Add(layer + ".bias", LoraHost.OnDevice(host, weights[layer + ".weight"].Device));
                }
            }

            return merged;
        }
        catch
        {
            merged.Dispose();
            throw;
        }
    }

    /// <summary>The merged weight of one layer (what <see cref="Merge"/> stores), for inspection and tests.</summary>
    public static Tensor MergeWeight(Tensor weight, float weightScale, IReadOnlyList<(LoraTarget Target, float Strength)> patches)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(patches);
        float[] w = LoraHost.ToSingles(weight);
        if (weightScale != 1f)
        {
            for (int i = 0; i < w.Length; i++)
            {
                w[i] *= weightScale;
            }
        }

        // DoRA terms normalise against the weight before any adapter, as the side path does.
        float[] baseWeight = patches.Any(p => p.Target.NeedsBaseWeight) ? (float[])w.Clone() : [];

        foreach (var (target, strength) in patches)
        {
            if (target.OutFeatures != weight.Dim(0) || target.InFeatures != weight.Dim(1))
            {
                throw new ArgumentException($"LoRA target '{target.Name}' is [{target.OutFeatures}, {target.InFeatures}] but the weight is {Tensor.FormatShape(weight.Shape)}.", nameof(patches));
            }

            target.AddWeightDelta(w, baseWeight, strength);
        }

        var dtype = weight.DType is DType.F32 or DType.BF16 or DType.F16 ? weight.DType : DType.BF16;
        using var f32 = Tensor.FromArray(w, weight.Shape.ToArray()).Detach();
        using var stored = LoraHost.As(f32, dtype);
        return LoraHost.OnDevice(stored, weight.Device);
    }

    private static Tensor MergeBias(Tensor bias, List<(LoraTarget Target, float Strength)> patches)
    {
        float[] b = LoraHost.ToSingles(bias);
        foreach (var (target, strength) in patches)
        {
            target.AddBiasDelta(b, strength);
        }

        using var host = Tensor.FromArray(b, b.Length).Detach();
        using var stored = LoraHost.As(host, bias.DType);
        return LoraHost.OnDevice(stored, bias.Device);
    }
}
