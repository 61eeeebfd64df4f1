namespace FluxServe.Server.Catalog;

/// <summary>The JSON type of a request parameter.</summary>
public enum ParameterKind
{
    /// <summary>A string (non-empty when required).</summary>
    String,

    /// <summary>A whole number (JSON integer, an integral number such as 4.0, or a numeric string).</summary>
    Integer,

    /// <summary>A seed: a whole number 0..2^64-1.</summary>
    Seed,

    /// <summary>A number.</summary>
    Number,

    /// <summary>true or false (the strings "true"/"false" are accepted too).</summary>
    Boolean,

    /// <summary>One string of <see cref="ParameterSpec.Values"/>.</summary>
    Enum,

    /// <summary>An absolute http(s) URL.</summary>
    Url,
}
