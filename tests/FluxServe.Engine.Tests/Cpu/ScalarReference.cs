namespace FluxServe.Engine.Tests.Cpu;

/// <summary>Plain double-precision definitions the CPU kernels are checked against.</summary>
internal static class ScalarReference
{
    /// <summary>erf by its everywhere-positive series erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3···(2n+1)).</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        double a = Math.Abs(x);
        if (a > 6)
        {
            return Math.Sign(x) * (1 - Erfc(a));
        }

        double term = a;
        double sum = a;
        for (int n = 1; n < 500 && term > sum * 1e-18; n++)
        {
            term *= 2 * a * a / ((2 * n) + 1);
            sum += term;
        }

        return Math.Sign(x) * 2 / Math.Sqrt(Math.PI) * Math.Exp(-a * a) * sum;
    }

    /// <summary>erfc: 1 − erf near zero, Laplace's continued fraction for x ≥ 2.5 (no cancellation in the tail).</summary>
    public static double Erfc(double x)
    {
        if (x < 2.5)
        {
            return 1 - Erf(x);
        }

        // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the bottom up.
        double tail = x;
        for (int k = 400; k >= 1; k--)
        {
            tail = x + (k / 2.0 / tail);
        }

        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / tail;
    }

    /// <summary>σ(x) without overflow.</summary>
    public static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <summary>The activation's definition in double precision.</summary>
    public static double Activate(double x, Activation activation) => activation switch
    {
        Activation.None => x,
        Activation.SiLU => x * Sigmoid(x),
        // 0.5x(1 + tanh u) with 1 + tanh u = 2σ(2u), which has no cancellation for negative u.
        Activation.GeluTanh => x * Sigmoid(2 * Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x))),
        Activation.GeluExact => 0.5 * x * Erfc(-x / Math.Sqrt(2)),
        Activation.QuickGelu => x * Sigmoid((double)1.702f * x),
        Activation.Relu => double.IsNaN(x) ? x : Math.Max(x, 0),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };
}
