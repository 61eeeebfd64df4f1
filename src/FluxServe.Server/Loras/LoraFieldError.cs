using System.Text.Json.Serialization;

namespace FluxServe.Server.Loras;

/// <summary>An error body that names the form field at fault: <c>{"error": "...", "field": "name"}</c>.</summary>
public sealed record LoraFieldError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("field")] string Field);
