using System.Text.Json.Serialization;

namespace FluxServe.Server.Http;

/// <summary>The JSON body of every error answer (API.md: <c>{"error": "..."}</c>).</summary>
/// <param name="Error">One clear sentence.</param>
public sealed record ErrorResponse([property: JsonPropertyName("error")] string Error);
