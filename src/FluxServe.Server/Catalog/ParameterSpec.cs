namespace FluxServe.Server.Catalog;

/// <summary>One parameter of a model endpoint: the single source for validation, defaults and the OpenAPI document.</summary>
public sealed class ParameterSpec
{
    public ParameterSpec(string name, ParameterKind kind, string description)
    {
        Name = name;
        Kind = kind;
        Description = description;
    }

    public string Name { get; }

    public ParameterKind Kind { get; }

    public string Description { get; }

    public bool Required { get; init; }

    /// <summary>The default (string, long, ulong, double or bool), or null when absent means "not given".</summary>
    public object? Default { get; init; }

    public double? Minimum { get; init; }

    public double? Maximum { get; init; }

    public int? MultipleOf { get; init; }

    /// <summary>Allowed values of an <see cref="ParameterKind.Enum"/> parameter.</summary>
    public IReadOnlyList<string>? Values { get; init; }

    /// <summary>Other accepted spellings of enum values, mapped to their canonical value.</summary>
    public IReadOnlyDictionary<string, string>? Aliases { get; init; }
}
