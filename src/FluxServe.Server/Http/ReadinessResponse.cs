using System.Text.Json.Serialization;

namespace FluxServe.Server.Http;

/// <summary>The body of <c>GET /readyz</c>.</summary>
public sealed record ReadinessResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("schema_version")] int SchemaVersion,
    [property: JsonPropertyName("installed_models")] IReadOnlyList<string> InstalledModels,
    [property: JsonPropertyName("workers")] int Workers,
    [property: JsonPropertyName("queue_depth")] int QueueDepth,
    [property: JsonPropertyName("safety_checker")] string SafetyChecker);
