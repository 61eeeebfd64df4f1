using FluxServe.Engine;
using FluxServe.Models.Layers;

namespace FluxServe.Models.Checkpoints;

/// <summary>
/// A model's tensors by canonical name, on the compute device, with the per-tensor weight scales of fp8 "scaled"
/// checkpoints. Owns the tensors: disposing the set releases them (memory-mapped views release their map reference).
/// </summary>
public sealed class WeightSet : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, float> _scales = new(StringComparer.Ordinal);

    /// <summary>Where the weights were read from (for error messages).</summary>
    public required string Source { get; init; }

    /// <summary>The canonical names present.</summary>
    public IReadOnlyCollection<string> Names => _tensors.Keys;

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor; the message names it and the source.</exception>
    public Tensor this[string name] => _tensors.TryGetValue(name, out var t)
        ? t
        : throw new KeyNotFoundException($"Tensor '{name}' is missing from {Source}.");

    /// <summary>True if <paramref name="name"/> is present.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>Adds a tensor (the set takes ownership).</summary>
    public void Add(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!_tensors.TryAdd(name, tensor))
        {
            throw new InvalidOperationException($"Tensor '{name}' appears twice in {Source}.");
        }
    }

    /// <summary>Sets the dequantisation scale of a stored weight.</summary>
    public void SetScale(string name, float scale) => _scales[name] = scale;

    /// <summary>The dequantisation scale of a stored weight (1 when none was given).</summary>
    public float ScaleOf(string name) => _scales.TryGetValue(name, out float s) ? s : 1f;

    /// <summary>The <c>Linear</c> layer whose tensors are <c>{prefix}.weight</c> and (if present) <c>{prefix}.bias</c>.</summary>
    public LinearLayer Linear(string prefix)
    {
        string weight = prefix + ".weight";
        _tensors.TryGetValue(prefix + ".bias", out var bias);
        return new LinearLayer(this[weight], bias, ScaleOf(weight)) { Name = prefix };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _tensors.Values)
        {
            t.Dispose();
        }

        _tensors.Clear();
    }
}
