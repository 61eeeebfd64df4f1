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
        Lazy<FluxModel> lazy;
        lock (_gate)
        {
            if (!_flux.TryGetValue(path, out lazy!))
            {
                lazy = new Lazy<FluxModel>(() => FluxModel.Load(path), LazyThreadSafetyMode.ExecutionAndPublication);
                _flux.Add(path, lazy);
            }
        }

        var model = lazy.Value;
        if (model.Variant != variant)
        {
            throw new InvalidOperationException($"The model at '{path}' is FLUX.1-{model.Variant}, but it is installed as FLUX.1-{variant}.");
        }

        return model;
    }

    /// <summary>The Redux components (SigLIP tower and embedder) in <paramref name="folder"/>.</summary>
    public ReduxModel Redux(string folder)
    {
        Lazy<ReduxModel> lazy;
        lock (_gate)
        {
            if (!_redux.TryGetValue(folder, out lazy!))
            {
                lazy = new Lazy<ReduxModel>(() => ReduxModel.Load(folder), LazyThreadSafetyMode.ExecutionAndPublication);
                _redux.Add(folder, lazy);
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
