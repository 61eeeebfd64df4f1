using System.Text.Json;
using FluxServe.Server.Accounts;
using FluxServe.Server.Configuration;
using FluxServe.Server.Generation;
using FluxServe.Server.Http;
using FluxServe.Server.Jobs;
using FluxServe.Server.Metrics;
using FluxServe.Server.Playground;
using FluxServe.Server.Storage;
using FluxServe.Server.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FluxServe.Server;

/// <summary>Builds the FluxServe HTTP application: configuration, services, middleware and routes.</summary>
public static class FluxServeApp
{
    /// <summary>Creates the web application from command-line arguments and the environment.</summary>
    /// <param name="args">Command-line switches (<c>--urls</c>, <c>--Storage:DataFolder</c>, ...).</param>
    /// <param name="configureServices">Extra registrations (tests register their generator here).</param>
    /// <remarks>
    /// Configuration: <c>appsettings.json</c> beside the executable, then <c>FLUXSERVE__</c>-prefixed environment
    /// variables (e.g. <c>FLUXSERVE__Urls</c>, <c>FLUXSERVE__Jobs__Retention</c>), then command-line switches.
    /// Jobs a crash left running are recovered here, before the server takes requests.
    /// </remarks>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddEnvironmentVariables(prefix: "FLUXSERVE__");
        builder.Configuration.AddCommandLine(args);
        AddFluxServe(builder.Services, builder.Configuration);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseExceptionHandler(errors => errors.Run(WriteInternalError));
        app.UseStatusCodePages(WriteStatusCodeBody);
        app.UseRouting();
        app.UseMiddleware<CallerAuthentication>();
        app.UseRateLimiter();

        app.MapOperationalEndpoints();
        app.MapGenerationEndpoints();
        app.MapRequestEndpoints();
        app.MapPlayground();
        Loras.LoraAdminEndpoints.MapLoraAdminEndpoints(app);

        app.Services.GetRequiredService<JobMaintenance>().Recover();
        if (app.Services.GetRequiredService<GeneratorRegistry>().Models.Count == 0)
        {
            ServerLog.NoGenerators(app.Services.GetLogger());
        }

        var logger = app.Services.GetLogger();
        if (app.Services.GetService<ISafetyChecker>() is { } checker)
        {
            string name = checker.Name;
            ServerLog.SafetyCheckerActive(logger, name);
        }
        else
        {
            ServerLog.NoSafetyChecker(logger);
        }

        return app;
    }

    /// <summary>Registers the server's options and services (without generators: see the remarks of <see cref="IImageGenerator"/>).</summary>
    public static void AddFluxServe(IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<StorageOptions>(configuration.GetSection("Storage"));
        services.Configure<ModelsOptions>(configuration.GetSection("Models"));
        services.Configure<JobOptions>(configuration.GetSection("Jobs"));
        services.Configure<RateLimitOptions>(configuration.GetSection("RateLimits"));
        services.Configure<WebhookOptions>(configuration.GetSection("Webhooks"));
        services.Configure<PricingOptions>(prices => configuration.GetSection("Prices").Bind(prices.Models));

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(provider =>
        {
            var storage = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
            return ServerDatabase.Open(storage.DataFolder, storage.BusyTimeout);
        });
        services.AddSingleton<AccountStore>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<ResultFiles>();
        services.AddSingleton<InputFiles>();
        services.Configure<InputOptions>(configuration.GetSection("Inputs"));
        services.AddSingleton<Inputs.SafeImageFetcher>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<JobBoard>();
        services.AddSingleton<GeneratorRegistry>();
        services.AddSingleton<JobService>();
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton<IDeviceMemoryProbe, ProcessMemoryProbe>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddSingleton<JobMaintenance>();
        Loras.LoraServices.AddLoraStore(services, configuration);
        services.AddSingleton<WorkerPool>();
        services.AddHostedService(provider => provider.GetRequiredService<JobMaintenance>());
        services.AddHostedService(provider => provider.GetRequiredService<WebhookDispatcher>());
        services.AddHostedService(provider => provider.GetRequiredService<WorkerPool>());
        services.AddFluxServeRateLimits();

        // One real text-to-image generator per base model whose folder exists under Models:Folders; a model without
        // one is "not installed" and generation calls for it answer 502 (never a placeholder image).
        services.AddFluxGenerators(configuration);
    }

    // 404/405 from routing carry no body by default; the contract wants a JSON sentence on every error.
    private static async Task WriteStatusCodeBody(StatusCodeContext context)
    {
        var response = context.HttpContext.Response;
        string message = response.StatusCode switch
        {
            StatusCodes.Status404NotFound => $"No resource at {context.HttpContext.Request.Path}.",
            StatusCodes.Status405MethodNotAllowed => $"Method {context.HttpContext.Request.Method} is not allowed here.",
            _ => $"The request failed with status {response.StatusCode}.",
        };
        response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(response.Body, new ErrorResponse(message), ServerJsonContext.Default.ErrorResponse).ConfigureAwait(false);
    }

    // Never a stack trace in the body (API.md "Status codes"): the exception goes to the log only.
    private static async Task WriteInternalError(HttpContext context)
    {
        var feature = context.Features.Get<IExceptionHandlerFeature>();
        if (feature is not null)
        {
            ServerLog.UnhandledException(context.RequestServices.GetLogger(), context.TraceIdentifier, feature.Error);
        }

        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(
            context.Response.Body,
            new ErrorResponse($"Internal error; reference {context.TraceIdentifier}."),
            ServerJsonContext.Default.ErrorResponse).ConfigureAwait(false);
    }
}
