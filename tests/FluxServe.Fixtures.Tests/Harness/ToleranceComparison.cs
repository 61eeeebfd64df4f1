using System.Globalization;
using System.Text;

namespace FluxServe.Fixtures.Tests.Harness;

/// <summary>
/// The outcome of comparing an actual float32 array with the expected one under a <see cref="FixtureTolerance"/>
/// (or bit for bit): counts, the worst element and summary numbers, and a message that shows them.
/// </summary>
public sealed class ToleranceComparison
{
    private ToleranceComparison()
    {
    }

    /// <summary>What was compared (the tensor name, for messages).</summary>
    public string What { get; private init; } = "";

    /// <summary>The rule applied (for messages).</summary>
    public string RuleText { get; private init; } = "";

    /// <summary>Elements compared.</summary>
    public int Count { get; private init; }

    /// <summary>Elements outside the tolerance (or with other bits).</summary>
    public int Failures { get; private init; }

    /// <summary>Index of the element that exceeds its limit the most (or the largest difference when all pass); −1 when empty.</summary>
    public int WorstIndex { get; private init; } = -1;

    /// <summary>Expected value at <see cref="WorstIndex"/>.</summary>
    public float WorstExpected { get; private init; }

    /// <summary>Actual value at <see cref="WorstIndex"/>.</summary>
    public float WorstActual { get; private init; }

    /// <summary>The allowed difference at <see cref="WorstIndex"/>.</summary>
    public double WorstLimit { get; private init; }

    /// <summary>Index of the first failing element, −1 when none.</summary>
    public int FirstFailure { get; private init; } = -1;

    /// <summary>Largest |actual − expected| (NaN when a NaN was met).</summary>
    public double MaxAbsDiff { get; private init; }

    /// <summary>max |expected|.</summary>
    public double MaxAbsExpected { get; private init; }

    /// <summary>True when every element passes.</summary>
    public bool Passed => Failures == 0;

    /// <summary>Applies the fixtures' rule element by element (NaN or ∞ mismatch fails).</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static ToleranceComparison Compare(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, FixtureTolerance tolerance, string what)
    {
        ArgumentNullException.ThrowIfNull(tolerance);
        CheckLengths(expected, actual, what);
        double maxAbs = 0;
        foreach (float e in expected)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs((double)e));
        }

        double absolute = tolerance.AtolRelToMaxAbs * Math.Max(1.0, maxAbs);
        int failures = 0, first = -1, worst = -1;
        double worstScore = double.NegativeInfinity, worstLimit = 0, maxDiff = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            double diff = Math.Abs(a - e);
            double limit = absolute + (tolerance.Rtol * Math.Abs(e));
            bool same = e.Equals(a); // NaN == NaN and ∞ == ∞ count as equal
            bool pass = same || diff <= limit;
            double score = same ? 0 : double.IsNaN(diff) ? double.PositiveInfinity : diff - limit;
            if (!pass)
            {
                failures++;
                if (first < 0)
                {
                    first = i;
                }
            }

            if (!same)
            {
                maxDiff = double.IsNaN(diff) || double.IsNaN(maxDiff) ? double.NaN : Math.Max(maxDiff, diff);
            }

            if (score > worstScore)
            {
                worstScore = score;
                worst = i;
                worstLimit = limit;
            }
        }

        return new ToleranceComparison
        {
            What = what,
            RuleText = tolerance.ToString(),
            Count = expected.Length,
            Failures = failures,
            FirstFailure = first,
            WorstIndex = worst,
            WorstExpected = worst >= 0 ? expected[worst] : 0,
            WorstActual = worst >= 0 ? actual[worst] : 0,
            WorstLimit = worstLimit,
            MaxAbsDiff = maxDiff,
            MaxAbsExpected = maxAbs,
        };
    }

    /// <summary>Bit-for-bit comparison of the IEEE-754 encodings (so −0 ≠ +0 and NaN payloads count).</summary>
    public static ToleranceComparison CompareBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        CheckLengths(expected, actual, what);
        int failures = 0, first = -1, worst = -1;
        double maxDiff = 0, maxAbs = 0, worstDiff = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs((double)expected[i]));
            if (BitConverter.SingleToUInt32Bits(expected[i]) == BitConverter.SingleToUInt32Bits(actual[i]))
            {
                continue;
            }

            failures++;
            if (first < 0)
            {
                first = i;
            }

            double diff = Math.Abs((double)actual[i] - expected[i]);
            double key = double.IsNaN(diff) ? double.PositiveInfinity : diff;
            maxDiff = double.IsNaN(diff) || double.IsNaN(maxDiff) ? double.NaN : Math.Max(maxDiff, diff);
            if (key > worstDiff)
            {
                worstDiff = key;
                worst = i;
            }
        }

        return new ToleranceComparison
        {
            What = what,
            RuleText = "bit-exact",
            Count = expected.Length,
            Failures = failures,
            FirstFailure = first,
            WorstIndex = worst,
            WorstExpected = worst >= 0 ? expected[worst] : 0,
            WorstActual = worst >= 0 ? actual[worst] : 0,
            MaxAbsDiff = maxDiff,
            MaxAbsExpected = maxAbs,
        };
    }

    /// <summary>A one-paragraph account: counts, the worst element with both values (and bits), the first failure.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.Append(inv, $"{What}: {Failures} of {Count} elements outside {RuleText}");
        if (WorstIndex >= 0 && Failures > 0)
        {
            text.Append(inv, $"; worst at [{WorstIndex}]: expected {WorstExpected:R} (0x{BitConverter.SingleToUInt32Bits(WorstExpected):x8}), ");
            text.Append(inv, $"actual {WorstActual:R} (0x{BitConverter.SingleToUInt32Bits(WorstActual):x8})");
            if (RuleText != "bit-exact")
            {
                text.Append(inv, $", |diff| {Math.Abs((double)WorstActual - WorstExpected):G4} > allowed {WorstLimit:G4}");
            }

            text.Append(inv, $"; first failure at [{FirstFailure}]");
        }

        text.Append(inv, $"; max |diff| {MaxAbsDiff:G4}, max |expected| {MaxAbsExpected:G4}.");
        return text.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Describe();

    private static void CheckLengths(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        if (expected.Length != actual.Length)
        {
            throw new ArgumentException($"{what}: expected {expected.Length} elements, got {actual.Length}.", nameof(actual));
        }
    }
}
