namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// A sampler or scheduler name FluxServe does not know (ComfyUI silently falls back to its first entry; FluxServe
/// refuses, and the server answers 400 with this message).
/// </summary>
public sealed class UnknownSamplingNameException : ArgumentException
{
    /// <summary>An unknown <paramref name="kind"/> ("sampler", "scheduler") named <paramref name="name"/>.</summary>
    public UnknownSamplingNameException(string kind, string? name, IReadOnlyList<string> validNames)
        : base($"Unknown {kind} '{name}'. Valid {kind}s: {string.Join(", ", validNames)}.")
    {
        Kind = kind;
        Name = name;
        ValidNames = validNames;
    }

    /// <summary>An empty instance (serialisation conventions).</summary>
    public UnknownSamplingNameException()
        : this("name", null, [])
    {
    }

    /// <summary>With a message only.</summary>
    public UnknownSamplingNameException(string message)
        : base(message)
    {
        Kind = "name";
        ValidNames = [];
    }

    /// <summary>With a message and inner exception.</summary>
    public UnknownSamplingNameException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = "name";
        ValidNames = [];
    }

    /// <summary>"sampler" or "scheduler".</summary>
    public string Kind { get; }

    /// <summary>The name that was given.</summary>
    public string? Name { get; }

    /// <summary>The names that are accepted.</summary>
    public IReadOnlyList<string> ValidNames { get; }
}
