using System.Diagnostics.CodeAnalysis;

namespace FluxServe.Server.Loras;

/// <summary>LoRA endpoint names: <c>{uuid}-{name}</c>, a lowercase UUID, a dash and the owner's name (API.md "Endpoints").</summary>
public static class LoraEndpointName
{
    /// <summary>The longest name.</summary>
    public const int MaxNameLength = 64;

    /// <summary>The name rule, as error messages state it.</summary>
    public const string NameRule = "1 to 64 characters of A-Z, a-z, 0-9, '_', '.' and '-', starting with a letter or digit";

    private const int IdLength = 36;

    /// <summary>Whether <paramref name="name"/> follows <see cref="NameRule"/>.</summary>
    public static bool IsValidName([NotNullWhen(true)] string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Splits an endpoint name into its id (lowercased) and name; false when it is not shaped like one.</summary>
    public static bool TryParse([NotNullWhen(true)] string? endpoint, out string id, out string name)
    {
        id = name = "";
        if (endpoint is null || endpoint.Length < IdLength + 2 || endpoint[IdLength] != '-'
            || !Guid.TryParseExact(endpoint.AsSpan(0, IdLength), "D", out var guid))
        {
            return false;
        }

        string rest = endpoint[(IdLength + 1)..];
        if (!IsValidName(rest))
        {
            return false;
        }

        id = guid.ToString("D");
        name = rest;
        return true;
    }
}
