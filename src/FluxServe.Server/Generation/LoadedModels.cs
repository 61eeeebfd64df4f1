using FluxServe.Pipelines.Registry;

namespace FluxServe.Server.Generation;

/// <summary>
/// The models loaded in this process, each once: <c>flux-schnell</c> and <c>flux-redux-schnell</c> share one FLUX.1
/// [schnell], every LoRA endpoint shares the one FLUX.1 [dev]. A model is loaded by its first job (server start stays
/// fast; a 12B checkpoint takes a while) and kept until the server stops.
/// </summary>
public sealed class LoadedModels : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Lazy<FluxModel>> _flux = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Lazy<ReduxModel>> _redux = new(StringComparer.Ordinal);

    /// <summary>The FLUX.1 model at <paramref name="path"/>, checked to be the <paramref name="variant"/> ("schnell" or "dev").</summary>
    public FluxModel Flux(string path, string variant)
    {
        var model = Get(_flux, path, p => FluxModel.Load(p));
        if (model.Variant != variant)
        {
            throw new InvalidOperationException($"The model at '{path}' is FLUX.1-{model.Variant}, but it is installed as FLUX.1-{variant}.");
        }

        return model;
    }

    /// <summary>The Redux components (SigLIP tower and embedder) in <paramref name="folder"/>.</summary>
    public ReduxModel Redux(string folder) => Get(_redux, folder, f => ReduxModel.Load(f));

    // One load per path, however many generators ask at once; a failed load stays failed (until a restart).
    private T Get<T>(Dictionary<string, Lazy<T>> models, string path, Func<string, T> load)
    {
        Lazy<T> lazy;
        lock (_gate)
        {
            if (!models.TryGetValue(path, out lazy!))
            {
                lazy = new Lazy<T>(() => load(path), LazyThreadSafetyMode.ExecutionAndPublication);
                models.Add(path, lazy);
            }
        }

        return lazy.Value;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var lazy in _flux.Values.Where(l => l.IsValueCreated))
            {
                lazy.Value.Dispose();
            }

            foreach (var lazy in _redux.Values.Where(l => l.IsValueCreated))
            {
                lazy.Value.Dispose();
            }

            _flux.Clear();
            _redux.Clear();
        }
    }
}
