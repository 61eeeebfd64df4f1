using FluxServe.Server.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FluxServe.Server.Loras;

/// <summary>Registers the LoRA registry: <see cref="LoraOptions"/> (section <c>Loras</c>) and the <see cref="LoraStore"/> singleton.</summary>
public static class LoraServices
{
    public static IServiceCollection AddLoraStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.Configure<LoraOptions>(configuration.GetSection("Loras"));
        services.AddSingleton<LoraStore>();
        return services;
    }
}
