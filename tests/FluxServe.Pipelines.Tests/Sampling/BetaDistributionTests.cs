using FluxServe.Pipelines.Sampling;

namespace FluxServe.Pipelines.Tests.Sampling;

/// <summary>The beta CDF and PPF against scipy 1.10 (<c>scipy.stats.beta.ppf/cdf</c>, the beta scheduler's reference).</summary>
public sealed class BetaDistributionTests
{
    [Theory]
    [InlineData(0.6, 0.6, 0.95, 0.9874455431263885)]
    [InlineData(0.6, 0.6, 0.05, 0.012554456873611399)]
    [InlineData(0.6, 0.6, 0.75, 0.824319621347305)]
    [InlineData(0.6, 0.6, 0.3, 0.23401700387523572)]
    [InlineData(0.6, 0.6, 1e-6, 1.8558824624053043e-10)]
    [InlineData(0.6, 0.6, 0.999999, 0.9999999998144118)]
    [InlineData(0.6, 0.6, 0.8571428571428572, 0.9288579738296403)]
    [InlineData(2.0, 5.0, 0.5, 0.26444998329566005)]
    [InlineData(0.5, 0.5, 0.25, 0.14644660940672624)]
    [InlineData(5.0, 1.5, 0.9, 0.945754486362118)]
    public void Ppf_matches_scipy(double a, double b, double p, double expected)
    {
        double actual = BetaDistribution.InverseRegularizedIncompleteBeta(a, b, p);
        Assert.True(Math.Abs(actual - expected) <= 1e-13 * Math.Max(1e-3, expected), $"ppf({p}; {a}, {b}) = {actual:R}, scipy {expected:R}");
    }

    [Theory]
    [InlineData(0.6, 0.6, 0.35252651177214367)]
    [InlineData(2.0, 5.0, 0.5798250000000003)]
    [InlineData(0.5, 0.5, 0.36901011956554536)]
    [InlineData(5.0, 1.5, 0.005694595708501322)]
    public void Cdf_at_0_3_matches_scipy(double a, double b, double expected) =>
        Assert.Equal(expected, BetaDistribution.RegularizedIncompleteBeta(a, b, 0.3), 13);

    [Fact]
    public void Symmetric_median_is_exactly_one_half_so_the_scheduler_rounds_half_to_even()
    {
        Assert.Equal(0.5, BetaDistribution.InverseRegularizedIncompleteBeta(0.6, 0.6, 0.5));
        Assert.Equal(500, Math.Round(0.5 * 999, MidpointRounding.ToEven));
    }

    [Fact]
    public void Ppf_inverts_the_cdf_across_the_range()
    {
        for (int k = 1; k < 200; k++)
        {
            double p = k / 200.0;
            double x = BetaDistribution.InverseRegularizedIncompleteBeta(0.6, 0.6, p);
            Assert.Equal(p, BetaDistribution.RegularizedIncompleteBeta(0.6, 0.6, x), 12);
        }

        Assert.Equal(0, BetaDistribution.InverseRegularizedIncompleteBeta(0.6, 0.6, 0));
        Assert.Equal(1, BetaDistribution.InverseRegularizedIncompleteBeta(0.6, 0.6, 1));
    }

    [Fact]
    public void LogGamma_matches_known_values()
    {
        Assert.Equal(Math.Log(Math.Sqrt(Math.PI)), BetaDistribution.LogGamma(0.5), 14);
        Assert.Equal(Math.Log(24.0), BetaDistribution.LogGamma(5), 13);
        Assert.Equal(Math.Log(3628800.0), BetaDistribution.LogGamma(11), 12);
    }

    [Fact]
    public void Rejects_bad_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BetaDistribution.InverseRegularizedIncompleteBeta(0, 1, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => BetaDistribution.InverseRegularizedIncompleteBeta(1, 1, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => BetaDistribution.RegularizedIncompleteBeta(1, 1, double.NaN));
    }
}
