using System.Globalization;
using System.Text.Json;

namespace FluxServe.Fixtures.Tests.Harness;

/// <summary>
/// The fixtures' tolerance rule: a value passes when
/// <c>|actual − expected| ≤ atol_rel_to_max_abs·max(1, max|expected|) + rtol·|expected|</c> (README "Tolerance").
/// </summary>
/// <param name="Rtol">Relative tolerance per element.</param>
/// <param name="AtolRelToMaxAbs">Absolute tolerance as a fraction of <c>max(1, max|expected|)</c>.</param>
/// <param name="Rule">The case's own wording of the rule (for messages), if any.</param>
public sealed record FixtureTolerance(double Rtol, double AtolRelToMaxAbs, string? Rule = null)
{
    /// <summary>Both terms zero: values must be equal.</summary>
    public bool IsExact => Rtol == 0 && AtolRelToMaxAbs == 0;

    /// <summary>Reads <c>{"rtol": r, "atol_rel_to_max_abs": a, "rule": "..."}</c>.</summary>
    /// <exception cref="InvalidDataException">The object lacks either number.</exception>
    public static FixtureTolerance FromJson(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("rtol", out var rtol) || rtol.ValueKind != JsonValueKind.Number
            || !element.TryGetProperty("atol_rel_to_max_abs", out var atol) || atol.ValueKind != JsonValueKind.Number)
        {
            throw new InvalidDataException($"{where}: the tolerance {element} has no numeric \"rtol\" and \"atol_rel_to_max_abs\".");
        }

        string? rule = element.TryGetProperty("rule", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        return new FixtureTolerance(rtol.GetDouble(), atol.GetDouble(), rule);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture, $"rtol {Rtol:G3}, atol {AtolRelToMaxAbs:G3}·max(1, max|expected|)");
}
