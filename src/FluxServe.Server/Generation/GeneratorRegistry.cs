namespace FluxServe.Server.Generation;

/// <summary>The registered <see cref="IImageGenerator"/>s by model and by device.</summary>
public sealed class GeneratorRegistry
{
    private readonly Dictionary<string, IImageGenerator> _byModel = new(StringComparer.Ordinal);

    public GeneratorRegistry(IEnumerable<IImageGenerator> generators)
    {
        ArgumentNullException.ThrowIfNull(generators);
        foreach (var generator in generators)
        {
            // The first registration of a model wins; a second device for the same model would need per-device routing.
            _byModel.TryAdd(generator.Model, generator);
        }
    }

    /// <summary>Models that have a generator ("installed").</summary>
    public IReadOnlyCollection<string> Models => _byModel.Keys;

    /// <summary>Devices that have at least one generator: one worker each.</summary>
    public IReadOnlyList<string> Devices => _byModel.Values.Select(g => g.Device).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    public IImageGenerator? Find(string model) => _byModel.GetValueOrDefault(model);

    public IReadOnlyList<IImageGenerator> OnDevice(string device) =>
        _byModel.Values.Where(g => g.Device == device).ToList();
}
