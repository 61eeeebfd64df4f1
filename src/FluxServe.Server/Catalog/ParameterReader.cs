using System.Globalization;
using System.Text.Json;

namespace FluxServe.Server.Catalog;

/// <summary>Checks a JSON body against an endpoint's <see cref="ParameterSpec"/>s: type, range, enum and multiples.</summary>
/// <remarks>
/// More permissive than the pages where that is harmless (API.md: "being stricter is a bug"): integral numbers such as
/// <c>4.0</c> and numeric strings count as integers, <c>"true"</c> as true, JSON <c>null</c> as absent, enum values
/// match case-insensitively, unknown fields are ignored.
/// </remarks>
public static class ParameterReader
{
    public static ParameterValues Read(IReadOnlyList<ParameterSpec> specs, JsonElement body, List<FieldError> errors)
    {
        var values = new ParameterValues();
        foreach (var spec in specs)
        {
            if (!body.TryGetProperty(spec.Name, out var element) || element.ValueKind == JsonValueKind.Null)
            {
                if (spec.Required)
                {
                    errors.Add(new FieldError(spec.Name, "required", $"{spec.Name} is required."));
                }
                else if (spec.Default is not null)
                {
                    values.Set(spec.Name, spec.Default, given: false);
                }

                continue;
            }

            object? value = spec.Kind switch
            {
                ParameterKind.String => ReadString(spec, element, errors),
                ParameterKind.Integer => ReadInteger(spec, element, errors),
                ParameterKind.Seed => ReadSeed(spec, element, errors),
                ParameterKind.Number => ReadNumber(spec, element, errors),
                ParameterKind.Boolean => ReadBoolean(spec, element, errors),
                ParameterKind.Enum => ReadEnum(spec, element, errors),
                ParameterKind.Url => ReadUrl(spec, element, errors),
                _ => null,
            };
            if (value is not null)
            {
                values.Set(spec.Name, value, given: true);
            }
        }

        return values;
    }

    /// <summary>The rule of <paramref name="spec"/> in a few words, as error bodies and the docs state it.</summary>
    public static string Rule(ParameterSpec spec) => spec.Kind switch
    {
        ParameterKind.String => spec.Required ? "non-empty string" : "string",
        ParameterKind.Integer => $"integer {Format(spec.Minimum)}..{Format(spec.Maximum)}" + (spec.MultipleOf is int m ? $", multiple of {m}" : ""),
        ParameterKind.Seed => "integer 0..18446744073709551615",
        ParameterKind.Number => $"number {Format(spec.Minimum)}..{Format(spec.Maximum)}",
        ParameterKind.Boolean => "boolean",
        ParameterKind.Enum => "one of " + string.Join(", ", spec.Values ?? []),
        ParameterKind.Url => "absolute http(s) URL",
        _ => "",
    };

    private static string Format(double? bound) => bound?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string? ReadString(ParameterSpec spec, JsonElement element, List<FieldError> errors)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            errors.Add(new FieldError(spec.Name, "string", $"{spec.Name} must be a string."));
            return null;
        }

        string value = element.GetString()!;
        if (spec.Required && string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new FieldError(spec.Name, "non-empty string", $"{spec.Name} must not be empty."));
            return null;
        }

        return value;
    }

    private static long? ReadInteger(ParameterSpec spec, JsonElement element, List<FieldError> errors)
    {
        if (!TryReadDouble(element, out double number) || number != Math.Floor(number) || Math.Abs(number) > 1e15)
        {
            errors.Add(new FieldError(spec.Name, Rule(spec), $"{spec.Name} must be an integer{RangeText(spec)}."));
            return null;
        }

        long value = (long)number;
        if ((spec.Minimum is double min && value < min) || (spec.Maximum is double max && value > max))
        {
            errors.Add(new FieldError(spec.Name, Rule(spec), $"{spec.Name} must be an integer{RangeText(spec)}; got {value}."));
            return null;
        }

        if (spec.MultipleOf is int multiple && value % multiple != 0)
        {
            errors.Add(new FieldError(spec.Name, Rule(spec), $"{spec.Name} must be a multiple of {multiple}; got {value}."));
            return null;
        }

        return value;
    }

    private static ulong? ReadSeed(ParameterSpec spec, JsonElement element, List<FieldError> errors)
    {
        ulong seed;
        bool ok = element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetUInt64(out seed) || TryIntegralDouble(element, out seed),
            JsonValueKind.String => ulong.TryParse(element.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out seed),
            _ => (seed = 0) == 1,
        };
        if (!ok)
        {
            errors.Add(new FieldError(spec.Name, Rule(spec), $"{spec.Name} must be an integer between 0 and 18446744073709551615."));
            return null;
        }

        return seed;
    }

    // 1.0e3 style integers: exact only below 2^53, which is where clients writing such numbers live.
    private static bool TryIntegralDouble(JsonElement element, out ulong seed)
    {
        seed = 0;
        if (!element.TryGetDouble(out double d) || d < 0 || d != Math.Floor(d) || d > 9007199254740992d)
        {
            return false;
        }

        seed = (ulong)d;
        return true;
    }

    private static double? ReadNumber(ParameterSpec spec, JsonElement element, List<FieldError> errors)
    {
        if (!TryReadDouble(element, out double value) || double.IsNaN(value) || double.IsInfinity(value))
        {
            errors.Add(new FieldError(spec.Name, Rule(spec), $"{spec.Name} must be a number{RangeText(spec)}."));
            return null;
        }

        if ((spec.Minimum is double min && value < min) || (spec.Maximum is double max && value > max))
        {
            errors.Add(new FieldError(spec.Name, Rule(spec),
                $"{spec.Name} must be a number{RangeText(spec)}; got {value.ToString(CultureInfo.InvariantCulture)}."));
            return null;
        }

        return value;
    }

    private static bool? ReadBoolean(ParameterSpec spec, JsonElement element, List<FieldError> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.String when bool.TryParse(element.GetString(), out bool parsed):
                return parsed;
            default:
                errors.Add(new FieldError(spec.Name, "boolean", $"{spec.Name} must be true or false."));
                return null;
        }
    }

    private static string? ReadEnum(ParameterSpec spec, JsonElement element, List<FieldError> errors)
    {
        // A number matches a numeric value ("megapixels": 1 or 0.25, as the page's "number" type suggests).
        string? given = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number when element.TryGetDouble(out double number) => number.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
        if (given is not null)
        {
            foreach (string allowed in spec.Values ?? [])
            {
                if (string.Equals(allowed, given, StringComparison.OrdinalIgnoreCase))
                {
                    return allowed;
                }
            }

            if (spec.Aliases is not null && spec.Aliases.TryGetValue(given.ToLowerInvariant(), out string? canonical))
            {
                return canonical;
            }
        }

        errors.Add(new FieldError(spec.Name, Rule(spec), $"{spec.Name} must be one of {string.Join(", ", spec.Values ?? [])}."));
        return null;
    }

    private static string? ReadUrl(ParameterSpec spec, JsonElement element, List<FieldError> errors)
    {
        if (element.ValueKind == JsonValueKind.String
            && Uri.TryCreate(element.GetString(), UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri.AbsoluteUri;
        }

        errors.Add(new FieldError(spec.Name, Rule(spec), $"{spec.Name} must be an absolute http or https URL."));
        return null;
    }

    private static bool TryReadDouble(JsonElement element, out double value)
    {
        value = 0;
        return element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetDouble(out value),
            JsonValueKind.String => double.TryParse(element.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }

    private static string RangeText(ParameterSpec spec) => (spec.Minimum, spec.Maximum) switch
    {
        (double min, double max) => $" between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}",
        _ => "",
    };
}
