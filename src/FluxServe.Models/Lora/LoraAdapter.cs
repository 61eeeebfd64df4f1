using System.Diagnostics.CodeAnalysis;
using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Flux;

namespace FluxServe.Models.Lora;

/// <summary>
/// A LoRA file for FLUX.1 loaded as per-layer low-rank side paths (spec/lora.md), addressed by canonical layer names.
/// The base model is never touched: activate the adapter for a forward pass with a <see cref="LoraScope"/> and a
/// per-request strength, so any number of adapters share one loaded base model. <see cref="LoraMerge"/> folds adapters
/// into a copy of the weights instead, for a hot endpoint.
/// </summary>
/// <remarks>
/// Every key naming convention of spec/lora.md §2 maps onto BFL names (kohya, BFL/ComfyUI, diffusers/PEFT with split
/// q/k/v/mlp and swapped norm_out halves, OneTrainer, SimpleTuner LyCORIS, XLabs), with LoRA, LoHa, LoKr, DoRA and
/// full weight/bias differences (§3). CLIP-L and T5 keys are loaded as targets of those encoders' layers. A key that maps
/// nowhere, an unsupported adapter type (GLoRA, OFT, Tucker factors) or a tensor of the wrong shape is a
/// <see cref="LoraFormatException"/> naming every such key: nothing is silently ignored. An adapter is immutable and
/// safe to use from many threads at once; dispose it only once no forward pass uses it. Like checkpoint loading,
/// <see cref="Load"/> and <see cref="To"/> make long-lived tensors: call them outside any <see cref="TensorScope"/>.
/// </remarks>
public sealed class LoraAdapter : IDisposable
{
    private readonly Dictionary<string, LoraTarget> _targets;

    internal LoraAdapter(string source, Device device, Dictionary<string, LoraTarget> targets, LoraSummary summary)
    {
        Source = source;
        Device = device;
        _targets = targets;
        Summary = summary;
    }

    /// <summary>The file the adapter was read from.</summary>
    public string Source { get; }

    /// <summary>The file name without extension.</summary>
    public string Name => Path.GetFileNameWithoutExtension(Source);

    /// <summary>The device the adapter's tensors live on (the device of the model it is used with).</summary>
    public Device Device { get; }

    /// <summary>What the file holds and changes.</summary>
    public LoraSummary Summary { get; }

    /// <summary>The adapted layers.</summary>
    public IReadOnlyCollection<LoraTarget> Targets => _targets.Values;

    /// <summary>Reads a LoRA safetensors file for a FLUX.1 transformer of configuration <paramref name="config"/>.</summary>
    /// <param name="path">The <c>.safetensors</c> file.</param>
    /// <param name="config">The base model's configuration (layer names and shapes are checked against it).</param>
    /// <param name="device">Where the adapter's tensors go: the device the model runs on (CPU by default).</param>
    /// <exception cref="LoraFormatException">A key maps to no layer, names an unsupported adapter type, or has the wrong shape.</exception>
    /// <exception cref="SafetensorsException">The file is not valid safetensors.</exception>
    public static LoraAdapter Load(string path, FluxConfig config, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(config);
        using var file = SafetensorsFile.Open(path);
        return LoraFileReader.Read(file, config, device ?? Device.Cpu);
    }

    /// <summary>The target of layer <paramref name="layerName"/>, if the adapter changes it.</summary>
    public bool TryGetTarget(string layerName, [NotNullWhen(true)] out LoraTarget? target) =>
        _targets.TryGetValue(layerName, out target);

    /// <summary>A copy of the adapter on <paramref name="device"/>.</summary>
    public LoraAdapter To(Device device)
    {
        var copies = new Dictionary<string, LoraTarget>(StringComparer.Ordinal);
        foreach (var (name, target) in _targets)
        {
            copies.Add(name, target.To(device));
        }

        return new LoraAdapter(Source, device, copies, Summary);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var target in _targets.Values)
        {
            target.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => Summary.ToString();
}
