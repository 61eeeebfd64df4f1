using System.Text.Json.Serialization;

namespace FluxServe.Server.Http;

/// <summary>Source-generated JSON metadata for every body the server writes.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ReadinessResponse))]
[JsonSerializable(typeof(ValidationErrorResponse))]
[JsonSerializable(typeof(RequestErrorResponse))]
[JsonSerializable(typeof(SubmitAnswer))]
[JsonSerializable(typeof(StatusAnswer))]
[JsonSerializable(typeof(ResultAnswer))]
[JsonSerializable(typeof(SyncJsonAnswer))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;
