using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Checkpoints;

namespace FluxServe.Models.Redux;

/// <summary>
/// Loads the Redux embedder from <c>flux1-redux-dev.safetensors</c> (BFL's file, also ComfyUI's style model) or a
/// diffusers <c>image_embedder/</c> folder (<c>ReduxImageEncoder</c>, same names), checking every tensor first
/// (spec/redux.md §4). The widths come from the tensor shapes.
/// </summary>
public static class ReduxCheckpoint
{
    /// <summary>Loads the embedder at <paramref name="path"/> onto <paramref name="device"/>.</summary>
    /// <param name="path">The safetensors file, a folder holding it, or a diffusers model folder with <c>image_embedder/</c>.</param>
    /// <param name="device">Where the weights go (CPU by default).</param>
    /// <exception cref="CheckpointException">A tensor is missing, extra or misshapen.</exception>
    public static ReduxEmbedder Load(string path, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string resolved = Directory.Exists(Path.Combine(path, "image_embedder")) ? Path.Combine(path, "image_embedder") : path;
        using var checkpoint = SafetensorsCheckpoint.Open(resolved);
        var (recipes, scales) = CheckpointAssembler.Direct(checkpoint, string.Empty, name => name);
        int[] Need(string n) => recipes.TryGetValue(n, out var r) && checkpoint.GetEntry(r.Sources[0]).Shape is { Length: 2 } s
            ? s
            : throw new CheckpointException($"{resolved} is not a FLUX.1 Redux embedder: tensor '{n}' is missing or not a matrix.");

        var up = Need("redux_up.weight");
        var config = new ReduxConfig { VisionDim = up[1], HiddenDim = up[0], ContextDim = Need("redux_down.weight")[0] };
        var expected = ExpectedTensors(config);
        var plan = new CheckpointPlan($"FLUX.1 Redux embedder ({config.VisionDim} → {config.HiddenDim} → {config.ContextDim})", recipes, scales, []);
        CheckpointAssembler.Validate(checkpoint, plan, expected);
        return new ReduxEmbedder(config, CheckpointAssembler.Materialise(checkpoint, plan, expected, device ?? Device.Cpu));
    }

    /// <summary>The four tensors with their shapes.</summary>
    public static IReadOnlyList<KeyValuePair<string, int[]>> ExpectedTensors(ReduxConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return
        [
            new("redux_up.weight", [config.HiddenDim, config.VisionDim]),
            new("redux_up.bias", [config.HiddenDim]),
            new("redux_down.weight", [config.ContextDim, config.HiddenDim]),
            new("redux_down.bias", [config.ContextDim]),
        ];
    }
}
