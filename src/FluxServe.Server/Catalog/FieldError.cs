using System.Text.Json.Serialization;

namespace FluxServe.Server.Catalog;

/// <summary>A parameter that broke its rule.</summary>
/// <param name="Field">The parameter's name.</param>
/// <param name="Rule">The rule, in short (e.g. "integer 1..8").</param>
/// <param name="Message">One clear sentence.</param>
public sealed record FieldError(
    [property: JsonPropertyName("field")] string Field,
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("message")] string Message);
