using System.Text.Json.Serialization;

namespace FluxServe.Client;

/// <summary>The body of <c>GET /healthz</c>.</summary>
/// <param name="Status">The server's status word.</param>
internal sealed record HealthBody([property: JsonPropertyName("status")] string Status);

/// <summary>The part of a v1 JSON answer the client reads.</summary>
/// <param name="Image">The first image, base64.</param>
internal sealed record SyncResultBody([property: JsonPropertyName("image")] string? Image);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HealthBody))]
[JsonSerializable(typeof(SyncResultBody))]
[JsonSerializable(typeof(TextToImageRequest))]
[JsonSerializable(typeof(SubmittedRequest))]
[JsonSerializable(typeof(RequestStatus))]
[JsonSerializable(typeof(RequestResult))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
