using FluxServe.Engine;
using FluxServe.Models.Layers;

namespace FluxServe.Models.Lora;

/// <summary>
/// Everything one LoRA file changes in one layer (a canonical <see cref="LinearLayer.Name"/>): the side paths built
/// from all key stems that map onto it (e.g. diffusers to_q, to_k, to_v, proj_mlp onto one BFL linear1).
/// </summary>
public sealed class LoraTarget : IDisposable
{
    private readonly LoraSidePath[] _paths;

    internal LoraTarget(string name, LoraComponent component, int outFeatures, int inFeatures, LoraSidePath[] paths, IReadOnlyList<string> stems)
    {
        Name = name;
        Component = component;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        _paths = paths;
        Stems = stems;
    }

    /// <summary>The layer's canonical name.</summary>
    public string Name { get; }

    /// <summary>The network the layer belongs to.</summary>
    public LoraComponent Component { get; }

    /// <summary>Rows of the layer's weight.</summary>
    public int OutFeatures { get; }

    /// <summary>Columns of the layer's weight.</summary>
    public int InFeatures { get; }

    /// <summary>The key stems of the file that patch this layer.</summary>
    public IReadOnlyList<string> Stems { get; }

    /// <summary>Rank of the combined low-rank side path (0 when the layer has none).</summary>
    public int Rank => _paths.OfType<LowRankSidePath>().Sum(p => p.Rank);

    /// <summary>True when a term depends on the base weight (DoRA).</summary>
    internal bool NeedsBaseWeight => Array.Exists(_paths, p => p is DoraSidePath);

    /// <summary>True when the bias changes too.</summary>
    public bool ChangesBias => Array.Exists(_paths, p => p.ChangesBias);

    /// <summary>The device the adapter tensors live on.</summary>
    public Device Device => _paths[0].Device;

    /// <summary>Bytes held by this target's tensors.</summary>
    public long ByteLength => _paths.Sum(p => p.ByteLength);

    internal IReadOnlyList<LoraSidePath> Paths => _paths;

    /// <summary>
    /// <paramref name="y"/> plus this target's side paths for input <paramref name="x"/> of <paramref name="layer"/>,
    /// whose base output is <paramref name="baseOutput"/> (a new tensor; the inputs are not disposed).
    /// </summary>
    internal Tensor Apply(Tensor y, Tensor x, float strength, LinearLayer layer, Tensor baseOutput)
    {
        var current = y;
        try
        {
            foreach (var path in _paths)
            {
                using var delta = path.Delta(x, baseOutput, layer, strength);
                var sum = current + delta;
                if (!ReferenceEquals(current, y))
                {
                    current.Dispose();
                }

                current = sum;
            }

            return current;
        }
        catch
        {
            if (!ReferenceEquals(current, y))
            {
                current.Dispose();
            }

            throw;
        }
    }

    /// <summary>Throws unless the layer is the one this target was built for, on the device of the input.</summary>
    internal void CheckFits(LinearLayer layer, Device device)
    {
        if (layer.OutFeatures != OutFeatures || layer.InFeatures != InFeatures)
        {
            throw new InvalidOperationException(
                $"LoRA target '{Name}' ({string.Join(", ", Stems)}) is [{OutFeatures}, {InFeatures}] but the layer's weight is [{layer.OutFeatures}, {layer.InFeatures}].");
        }

        if (Device != device)
        {
            throw new InvalidOperationException(
                $"LoRA target '{Name}' lives on {Device} but the layer runs on {device}: load the adapter for that device.");
        }
    }

    /// <summary>Adds <c>strength·ΔW</c> (float32, row-major [out, in]) for merging; <paramref name="baseWeight"/> is the weight before any adapter.</summary>
    internal void AddWeightDelta(Span<float> weight, ReadOnlySpan<float> baseWeight, float strength)
    {
        foreach (var path in _paths)
        {
            path.AddWeightDelta(weight, baseWeight, strength);
        }
    }

    /// <summary>Adds <c>strength·Δb</c> (float32 [out]) for merging.</summary>
    internal void AddBiasDelta(Span<float> bias, float strength)
    {
        foreach (var path in _paths)
        {
            path.AddBiasDelta(bias, strength);
        }
    }

    internal LoraTarget To(Device device) =>
        new(Name, Component, OutFeatures, InFeatures, Array.ConvertAll(_paths, p => p.To(device)), Stems);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var path in _paths)
        {
            path.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} [{OutFeatures}, {InFeatures}] ← {string.Join(", ", Stems)}";
}
