using FluxServe.Server.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FluxServe.Server.Generation;

/// <summary>
/// Installs a <see cref="FluxTextToImageGenerator"/> for each base model whose folder exists: <c>{folder}/flux-schnell</c>
/// and <c>{folder}/flux-dev</c> for each of <c>Models:Folders</c> (first match wins). A model folder is anything
/// <c>FluxModelDiscovery</c> reads: a diffusers folder or a folder of ComfyUI-style single files.
/// </summary>
public static class FluxModelInstallation
{
    /// <summary>The base models the server can install.</summary>
    public static IReadOnlyList<string> BaseModels { get; } = ["flux-schnell", "flux-dev"];

    /// <summary>Registers one generator per installed base model; returns the (model, path) pairs found.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> AddFluxGenerators(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new ModelsOptions();
        configuration.GetSection("Models").Bind(options);
        var installed = new List<KeyValuePair<string, string>>();
        foreach (string model in BaseModels)
        {
            string? path = options.Folders.Select(f => Path.GetFullPath(Path.Combine(f, model))).FirstOrDefault(p => Directory.Exists(p) || File.Exists(p));
            if (path is not null)
            {
                services.AddSingleton<IImageGenerator>(new FluxTextToImageGenerator(model, path));
                installed.Add(new(model, path));
            }
        }

        return installed;
    }
}
