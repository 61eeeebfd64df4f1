using FluxServe.Engine;
using Xunit.Sdk;

namespace FluxServe.Fixtures.Tests.Harness;

/// <summary>Assertions that compare computed values with a fixture's expected tensors and explain any failure.</summary>
public static class FixtureAssert
{
    /// <summary>Passes when every element is within <paramref name="tolerance"/> (the fixtures' rule).</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, FixtureTolerance tolerance, string what)
    {
        var comparison = ToleranceComparison.Compare(expected, actual, tolerance, what);
        if (!comparison.Passed)
        {
            throw new XunitException(comparison.Describe());
        }
    }

    /// <summary>
    /// Passes when <paramref name="actual"/> has the expected shape and every element is within
    /// <paramref name="tolerance"/>; either tensor may be stored as F32, BF16, F16 or an integer type.
    /// </summary>
    public static void Close(Tensor expected, Tensor actual, FixtureTolerance tolerance, string what)
    {
        SameShape(expected, actual, what);
        Close(FixtureTensors.ToSingles(expected), FixtureTensors.ToSingles(actual), tolerance, what);
    }

    /// <summary>Passes when the float32 encodings are identical element by element.</summary>
    public static void BitExact(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        var comparison = ToleranceComparison.CompareBits(expected, actual, what);
        if (!comparison.Passed)
        {
            throw new XunitException(comparison.Describe());
        }
    }

    /// <summary>Bit-exact comparison of two tensors (shapes must match; values compared as float32).</summary>
    public static void BitExact(Tensor expected, Tensor actual, string what)
    {
        SameShape(expected, actual, what);
        BitExact(FixtureTensors.ToSingles(expected), FixtureTensors.ToSingles(actual), what);
    }

    /// <summary>Passes when the integer sequences are equal (token ids); shows the first difference.</summary>
    public static void Equal(ReadOnlySpan<long> expected, ReadOnlySpan<long> actual, string what)
    {
        int n = Math.Min(expected.Length, actual.Length);
        int differ = 0, first = -1;
        for (int i = 0; i < n; i++)
        {
            if (expected[i] != actual[i])
            {
                differ++;
                first = first < 0 ? i : first;
            }
        }

        if (expected.Length != actual.Length || differ > 0)
        {
            string at = first >= 0 ? $"; first at [{first}]: expected {expected[first]}, actual {actual[first]}" : "";
            throw new XunitException(
                $"{what}: {differ} of {n} values differ (lengths {expected.Length} expected, {actual.Length} actual){at}.");
        }
    }

    /// <summary>Fails unless the shapes are equal.</summary>
    public static void SameShape(Tensor expected, Tensor actual, string what)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (!expected.Shape.SequenceEqual(actual.Shape))
        {
            throw new XunitException(
                $"{what}: expected shape {Tensor.FormatShape(expected.Shape)}, actual {Tensor.FormatShape(actual.Shape)}.");
        }
    }
}
