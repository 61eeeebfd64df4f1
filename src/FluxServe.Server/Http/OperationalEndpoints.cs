using FluxServe.Server.Catalog;
using FluxServe.Server.Loras;
using FluxServe.Server.Generation;
using FluxServe.Server.Jobs;
using FluxServe.Server.Metrics;
using FluxServe.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace FluxServe.Server.Http;

/// <summary><c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> and <c>/openapi.json</c> (no key needed).</summary>
public static class OperationalEndpoints
{
    public static IEndpointRouteBuilder MapOperationalEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => Results.Json(new HealthResponse("ok"), ServerJsonContext.Default.HealthResponse));
        routes.MapGet("/readyz", Readiness);
        routes.MapGet("/metrics", PrometheusMetrics);
        routes.MapGet("/openapi.json", (HttpContext context) =>
            Results.Text(OpenApiDocument.Json(GenerationEndpoints.BaseUrl(context), LoraEndpoints(context.RequestServices)), "application/json"));
        return routes;
    }

    /// <summary>Ready when the job store answers; reports installed models and workers (none installed is ready, but says so).</summary>
    private static IResult Readiness(HttpContext context)
    {
        var services = context.RequestServices;
        var store = services.GetRequiredService<JobStore>();
        var generators = services.GetRequiredService<GeneratorRegistry>();
        var queue = services.GetRequiredService<JobQueue>();
        _ = store.CountByState();
        var models = generators.Models.Order(StringComparer.Ordinal).ToList();
        return Results.Json(new ReadinessResponse(models.Count > 0 ? "ready" : "ready (no model installed)", ServerDatabase.SchemaVersion, models,
            generators.Devices.Count, queue.Count, SafetyCheckerState(services)), ServerJsonContext.Default.ReadinessResponse);
    }

    // Every registered LoRA endpoint is listed: its name holds a random uuid, and using it needs a key of its account.
    private static IEnumerable<ModelEndpoint> LoraEndpoints(IServiceProvider services) =>
        services.GetRequiredService<LoraStore>().List().Select(l => ModelCatalog.ForLora(l.EndpointName, l.Id, l.Trigger));

    /// <summary>The safety checker's name, or a sentence saying that none is configured.</summary>
    public static string SafetyCheckerState(IServiceProvider services) =>
        services.GetService<ISafetyChecker>()?.Name ?? "none configured: generated images are returned unchecked";

    private static IResult PrometheusMetrics(HttpContext context)
    {
        var services = context.RequestServices;
        string text = services.GetRequiredService<ServerMetrics>().Render(
            services.GetRequiredService<JobQueue>().Count,
            services.GetRequiredService<JobStore>().CountByState(),
            services.GetServices<IDeviceMemoryProbe>().Select(p => p.Read()));
        return Results.Text(text, "text/plain; version=0.0.4; charset=utf-8");
    }
}
