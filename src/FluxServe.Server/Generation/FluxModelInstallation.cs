using FluxServe.Server.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FluxServe.Server.Generation;

/// <summary>
/// Installs a generator for each base model whose folder exists under one of <c>Models:Folders</c> (first match wins):
/// <c>flux-schnell</c> and <c>flux-dev</c> (any layout <c>FluxModelDiscovery</c> reads: a diffusers folder or a folder
/// of ComfyUI-style single files), and <c>flux-redux-schnell</c> when a <c>flux-redux</c> folder (SigLIP tower and
/// Redux embedder) exists beside an installed <c>flux-schnell</c>. LoRA endpoints run on the <c>flux-dev</c> generator.
/// </summary>
public static class FluxModelInstallation
{
    /// <summary>The base models the server can install.</summary>
    public static IReadOnlyList<string> BaseModels { get; } = ["flux-schnell", "flux-dev", "flux-redux-schnell"];

    /// <summary>The folder name of the Redux components under a models folder.</summary>
    public const string ReduxFolder = "flux-redux";

    /// <summary>Registers one generator per installed base model; returns the (model, path) pairs found.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> AddFluxGenerators(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new ModelsOptions();
        configuration.GetSection("Models").Bind(options);
        var loaded = new LoadedModels();
        services.AddSingleton(loaded);
        var installed = new List<KeyValuePair<string, string>>();
        string? schnell = Find(options, "flux-schnell", folderOnly: false);
        if (schnell is not null)
        {
            services.AddSingleton<IImageGenerator>(new FluxTextToImageGenerator("flux-schnell", schnell, loaded));
            installed.Add(new("flux-schnell", schnell));
        }

        if (Find(options, "flux-dev", folderOnly: false) is { } dev)
        {
            services.AddSingleton<IImageGenerator>(new FluxTextToImageGenerator("flux-dev", dev, loaded, options.CachedLoras));
            installed.Add(new("flux-dev", dev));
        }

        if (schnell is not null && Find(options, ReduxFolder, folderOnly: true) is { } redux)
        {
            services.AddSingleton<IImageGenerator>(new FluxReduxGenerator(schnell, redux, loaded));
            installed.Add(new("flux-redux-schnell", redux));
        }

        return installed;
    }

    private static string? Find(ModelsOptions options, string name, bool folderOnly) =>
        options.Folders.Select(f => Path.GetFullPath(Path.Combine(f, name))).FirstOrDefault(p => Directory.Exists(p) || (!folderOnly && File.Exists(p)));
}
