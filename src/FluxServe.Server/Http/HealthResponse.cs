using System.Text.Json.Serialization;

namespace FluxServe.Server.Http;

/// <summary>The body of <c>GET /healthz</c>.</summary>
/// <param name="Status">"ok" while the process serves requests.</param>
public sealed record HealthResponse([property: JsonPropertyName("status")] string Status);
