using System.Text.Json.Serialization;

namespace FluxServe.Server.Http;

/// <summary>Source-generated JSON metadata for every body the server writes.</summary>
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(HealthResponse))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;
