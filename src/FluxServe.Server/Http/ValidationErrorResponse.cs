using System.Text.Json.Serialization;
using FluxServe.Server.Catalog;

namespace FluxServe.Server.Http;

/// <summary>A 400 body: the first broken rule as the sentence, every one under <c>errors</c>.</summary>
public sealed record ValidationErrorResponse(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("field")] string Field,
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("errors")] IReadOnlyList<FieldError> Errors);
