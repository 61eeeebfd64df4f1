namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// The beta distribution's CDF (the regularized incomplete beta function <c>I_x(a, b)</c>) and its inverse (the
/// percent-point function, scipy's <c>beta.ppf</c>), in double precision, for the <c>beta</c> scheduler
/// (spec/sampling.md §4). The CDF is a continued fraction (modified Lentz) with the usual symmetry switch; the inverse
/// is Newton's method kept inside a shrinking bisection bracket, so it converges for U-shaped densities (a, b &lt; 1)
/// whose slope is infinite at both ends.
/// </summary>
public static class BetaDistribution
{
    private const int MaxIterations = 400;

    /// <summary><c>I_x(a, b)</c> for a, b &gt; 0 and x in [0, 1].</summary>
    public static double RegularizedIncompleteBeta(double a, double b, double x)
    {
        CheckShape(a, b);
        if (double.IsNaN(x) || x < 0 || x > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "x must lie in [0, 1].");
        }

        if (x == 0 || x == 1)
        {
            return x;
        }

        double logFront = (a * Math.Log(x)) + (b * Math.Log(1 - x)) - LogBeta(a, b);
        double front = Math.Exp(logFront);
        if (x < (a + 1) / (a + b + 2))
        {
            return front * ContinuedFraction(a, b, x) / a;
        }

        return 1 - (front * ContinuedFraction(b, a, 1 - x) / b);
    }

    /// <summary>
    /// The x with <c>I_x(a, b) = p</c> (scipy's <c>beta.ppf(p, a, b)</c>). Exact at the ends, and exactly ½ for
    /// a = b, p = ½ (the median of a symmetric beta; the beta scheduler rounds ½·(T − 1) half-to-even there).
    /// </summary>
    public static double InverseRegularizedIncompleteBeta(double a, double b, double p)
    {
        CheckShape(a, b);
        if (double.IsNaN(p) || p < 0 || p > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "p must lie in [0, 1].");
        }

        if (p == 0 || p == 1)
        {
            return p;
        }

        if (a == b && p == 0.5)
        {
            return 0.5;
        }

        // Solve on the side where the answer is small, where double resolution is finest.
        if (p > 0.5)
        {
            return 1 - Solve(b, a, 1 - p);
        }

        return Solve(a, b, p);
    }

    /// <summary><c>ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b)</c>.</summary>
    public static double LogBeta(double a, double b) => LogGamma(a) + LogGamma(b) - LogGamma(a + b);

    /// <summary><c>ln Γ(x)</c> for x &gt; 0 (Lanczos, g = 7, 9 terms; ≈ 1e-15 relative).</summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "LogGamma needs x > 0.");
        }

        if (x < 0.5)
        {
            // Γ(x) = Γ(x + 1)/x keeps the Lanczos sum in its accurate range.
            return LogGamma(x + 1) - Math.Log(x);
        }

        ReadOnlySpan<double> c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        double z = x - 1;
        double sum = c[0];
        for (int i = 1; i < c.Length; i++)
        {
            sum += c[i] / (z + i);
        }

        double t = z + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((z + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }

    private static double Solve(double a, double b, double p)
    {
        double lo = 0, hi = 1;

        // A start from the small-x expansion I_x ≈ x^a/(a·B(a, b)), clamped into the bracket.
        double x = Math.Exp((Math.Log(p * a) + LogBeta(a, b)) / a);
        if (!(x > 0 && x < 1))
        {
            x = 0.5;
        }

        double logBeta = LogBeta(a, b);
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            double f = RegularizedIncompleteBeta(a, b, x) - p;
            if (f == 0)
            {
                return x;
            }

            if (f < 0)
            {
                lo = x;
            }
            else
            {
                hi = x;
            }

            double density = Math.Exp(((a - 1) * Math.Log(x)) + ((b - 1) * Math.Log(1 - x)) - logBeta);
            double next = x - (f / density);
            if (!(next > lo && next < hi) || double.IsNaN(next))
            {
                next = 0.5 * (lo + hi);
            }

            if (Math.Abs(next - x) <= 2 * double.Epsilon || next == x || hi - lo <= Math.Max(lo, 1e-300) * 1e-16)
            {
                return next;
            }

            x = next;
        }

        return x;
    }

    private static double ContinuedFraction(double a, double b, double x)
    {
        const double Tiny = 1e-300;
        double qab = a + b, qap = a + 1, qam = a - 1;
        double c = 1, d = 1 - (qab * x / qap);
        if (Math.Abs(d) < Tiny)
        {
            d = Tiny;
        }

        d = 1 / d;
        double h = d;
        for (int m = 1; m <= MaxIterations; m++)
        {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + (aa * d);
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = 1 + (aa / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + (aa * d);
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = 1 + (aa / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return h;
    }

    private static void CheckShape(double a, double b)
    {
        if (!(a > 0) || !(b > 0) || double.IsInfinity(a) || double.IsInfinity(b))
        {
            throw new ArgumentOutOfRangeException(nameof(a), $"The beta shape parameters must be positive and finite (a = {a}, b = {b}).");
        }
    }
}
