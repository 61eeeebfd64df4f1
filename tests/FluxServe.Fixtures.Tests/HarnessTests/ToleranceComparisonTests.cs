using FluxServe.Fixtures.Tests.Harness;
using Xunit.Sdk;

namespace FluxServe.Fixtures.Tests.HarnessTests;

/// <summary>The fixtures' tolerance rule and the failure messages of the comparer.</summary>
[Trait("Category", "Harness")]
public sealed class ToleranceComparisonTests
{
    private static readonly FixtureTolerance Rel1e4 = new(1e-4, 1e-4);

    [Fact]
    public void Absolute_term_scales_with_the_largest_expected_magnitude()
    {
        // max|expected| = 10 → absolute allowance 1e-3 everywhere, plus 1e-4·|e| per element.
        float[] expected = [10f, 0f, 1f];
        Assert.True(ToleranceComparison.Compare(expected, [10f, 0.00099f, 1f], Rel1e4, "t").Passed);
        Assert.False(ToleranceComparison.Compare(expected, [10f, 0.00101f, 1f], Rel1e4, "t").Passed);

        // max|expected| < 1 → max(1, ·) keeps the allowance at 1e-4.
        float[] small = [0.5f, 0f];
        Assert.True(ToleranceComparison.Compare(small, [0.5f, 0.000099f], Rel1e4, "t").Passed);
        Assert.False(ToleranceComparison.Compare(small, [0.5f, 0.000101f], Rel1e4, "t").Passed);
    }

    [Fact]
    public void Relative_term_applies_per_element()
    {
        // |e| = 100: allowance 1e-4·100 (absolute, max is 100) + 1e-4·100 = 0.02.
        Assert.True(ToleranceComparison.Compare([100f], [100.0199f], Rel1e4, "t").Passed);
        Assert.False(ToleranceComparison.Compare([100f], [100.0201f], Rel1e4, "t").Passed);
    }

    [Fact]
    public void Failure_report_names_the_worst_element_and_counts()
    {
        float[] expected = [1f, 2f, 3f, 4f];
        float[] actual = [1f, 2.01f, 3f, 3.5f];
        var comparison = ToleranceComparison.Compare(expected, actual, Rel1e4, "out.x");
        Assert.Equal(2, comparison.Failures);
        Assert.Equal(3, comparison.WorstIndex);
        Assert.Equal(1, comparison.FirstFailure);
        Assert.Equal(4f, comparison.WorstExpected);
        Assert.Equal(3.5f, comparison.WorstActual);
        string message = comparison.Describe();
        Assert.Contains("out.x: 2 of 4 elements", message, StringComparison.Ordinal);
        Assert.Contains("worst at [3]: expected 4", message, StringComparison.Ordinal);
        Assert.Contains("actual 3.5", message, StringComparison.Ordinal);
        var ex = Assert.Throws<XunitException>(() => FixtureAssert.Close(expected, actual, Rel1e4, "out.x"));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void NaN_fails_unless_expected_is_NaN_too()
    {
        Assert.False(ToleranceComparison.Compare([1f], [float.NaN], Rel1e4, "t").Passed);
        Assert.True(ToleranceComparison.Compare([float.NaN], [float.NaN], Rel1e4, "t").Passed);
    }

    [Fact]
    public void Bit_exact_distinguishes_signed_zeros_and_last_bits()
    {
        Assert.True(ToleranceComparison.CompareBits([1f, -0f], [1f, -0f], "t").Passed);
        Assert.False(ToleranceComparison.CompareBits([0f], [-0f], "t").Passed);
        float next = MathF.BitIncrement(1f);
        var comparison = ToleranceComparison.CompareBits([1f, 2f], [next, 2f], "t");
        Assert.Equal(1, comparison.Failures);
        Assert.Contains("0x3f800000", comparison.Describe(), StringComparison.Ordinal);
        Assert.Contains("0x3f800001", comparison.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Length_mismatch_is_an_error() =>
        Assert.Throws<ArgumentException>(() => ToleranceComparison.Compare([1f], [1f, 2f], Rel1e4, "t"));

    [Fact]
    public void Tolerance_is_read_from_the_case_json()
    {
        using var doc = System.Text.Json.JsonDocument.Parse("""{"rtol": 0.001, "atol_rel_to_max_abs": 0.0005, "rule": "r"}""");
        var tolerance = FixtureTolerance.FromJson(doc.RootElement, "case");
        Assert.Equal(new FixtureTolerance(0.001, 0.0005, "r"), tolerance);
        using var bad = System.Text.Json.JsonDocument.Parse("""{"image_uint8": {"max_abs": 1}}""");
        Assert.Throws<InvalidDataException>(() => FixtureTolerance.FromJson(bad.RootElement, "case"));
    }
}
