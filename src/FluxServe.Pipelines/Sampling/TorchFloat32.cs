using System.Numerics;
using System.Globalization;

namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// Float32 recipes of the PyTorch CPU operations the schedules and noise sources are built from, where the exact
/// float32 value matters (a Brownian-tree query rounds σ to 6 decimals, so one ulp can pick another path).
/// </summary>
internal static class TorchFloat32
{
    /// <summary>
    /// <c>torch.linspace(start, end, steps)</c> in float32, as the AVX2 CPU kernel computes it: <c>step = (end −
    /// start)/(steps − 1)</c>; element <c>i</c> is <c>fma(step, i, start)</c> below the halfway index and
    /// <c>fma(−step, steps − 1 − i, end)</c> from it; blocks of 16 (two 8-lane vectors) take a lane base computed that
    /// way and add <c>k·step</c> (rounded product) for lane <c>k</c>. Verified bit for bit against the
    /// <c>schedulers</c> fixture.
    /// </summary>
    public static float[] Linspace(float start, float end, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var result = new float[steps];
        if (steps == 0)
        {
            return result;
        }

        if (steps == 1)
        {
            result[0] = start;
            return result;
        }

        float step = (end - start) / (float)(steps - 1);
        int halfway = steps / 2;
        int i = 0;
        for (; i <= steps - 16; i += 16)
        {
            for (int v = 0; v < 2; v++)
            {
                int j = i + (8 * v);
                float laneBase = j < halfway
                    ? MathF.FusedMultiplyAdd(step, j, start)
                    : MathF.FusedMultiplyAdd(-step, steps - j - 1, end);
                for (int lane = 0; lane < 8; lane++)
                {
                    result[j + lane] = lane == 0 ? laneBase : laneBase + (lane * step);
                }
            }
        }

        for (; i < steps; i++)
        {
            result[i] = i < halfway
                ? MathF.FusedMultiplyAdd(step, i, start)
                : MathF.FusedMultiplyAdd(-step, steps - i - 1, end);
        }

        return result;
    }

    /// <summary>
    /// <c>torch.exp</c> of a float32 tensor on an AVX2 CPU: PyTorch's VML path evaluates every element (a single one
    /// too) with SLEEF's <c>Sleef_expf8_u10</c>, whose result can differ by an ulp from the C library's <c>expf</c>.
    /// This is SLEEF's <c>xexpf</c> with its multiply-adds fused, as the AVX2 build compiles them.
    /// </summary>
    public static float SleefExp(float d)
    {
        const float RLn2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;
        const float L2U = 0.693145751953125f;
        const float L2L = 1.428606765330187045e-06f;
        float qf = MathF.Round(d * RLn2, MidpointRounding.ToEven);
        int q = (int)qf;
        float s = MathF.FusedMultiplyAdd(qf, -L2U, d);
        s = MathF.FusedMultiplyAdd(qf, -L2L, s);
        float u = 0.000198527617612853646278381f;
        u = MathF.FusedMultiplyAdd(u, s, 0.00139304355252534151077271f);
        u = MathF.FusedMultiplyAdd(u, s, 0.00833336077630519866943359f);
        u = MathF.FusedMultiplyAdd(u, s, 0.0416664853692054748535156f);
        u = MathF.FusedMultiplyAdd(u, s, 0.166666671633720397949219f);
        u = MathF.FusedMultiplyAdd(u, s, 0.5f);
        u = 1f + MathF.FusedMultiplyAdd(s * s, u, s);

        // vldexp2: two power-of-two scalings, so an exponent beyond the float range still works as in SLEEF.
        int half = q >> 1;
        u = u * BitConverter.Int32BitsToSingle((half + 127) << 23) * BitConverter.Int32BitsToSingle((q - half + 127) << 23);
        if (d < -104f)
        {
            return 0f;
        }

        return d > 100f ? float.PositiveInfinity : u;
    }

    /// <summary>
    /// <c>torch.tan</c> of a float32 tensor on an AVX2 CPU (every element through SLEEF's <c>Sleef_tanf8_u10</c>,
    /// <c>xtanf_u1</c>: Cody–Waite reduction by π/2 and a double-float polynomial, multiply-adds fused). Only the
    /// direct reduction is ported: |d| &lt; 125 (the kl_optimal schedule's arguments lie in [0, π/4]).
    /// </summary>
    public static float SleefTan(float d)
    {
        const float PiA2 = 3.1414794921875f, PiB2 = 0.00011315941810607910156f, PiC2 = 1.9841872589410058936e-09f;
        if (float.IsNaN(d))
        {
            return d;
        }

        if (!(MathF.Abs(d) < 125f))
        {
            throw new ArgumentOutOfRangeException(nameof(d), d, "Only |d| < 125 is supported.");
        }

        float u = MathF.Round(d * (float)(2 * (1 / Math.PI)), MidpointRounding.ToEven);
        int q = (int)u;
        float v = MathF.FusedMultiplyAdd(u, -PiA2 * 0.5f, d);
        (float X, float Y) s = DfAdd2(v, u * (-PiB2 * 0.5f));
        s = DfAdd(s, u * (-PiC2 * 0.5f));
        bool odd = (q & 1) == 1;
        if (odd)
        {
            s = (-s.X, -s.Y);
        }

        (float X, float Y) t = s;
        s = DfNormalize(DfSquare(s));
        u = 0.00446636462584137916564941f;
        u = MathF.FusedMultiplyAdd(u, s.X, -8.3920182078145444393158e-05f);
        u = MathF.FusedMultiplyAdd(u, s.X, 0.0109639242291450500488281f);
        u = MathF.FusedMultiplyAdd(u, s.X, 0.0212360303848981857299805f);
        u = MathF.FusedMultiplyAdd(u, s.X, 0.0540687143802642822265625f);
        (float X, float Y) x = DfAdd(0.133325666189193725585938f, u * s.X);
        x = DfAdd(1f, DfMul(DfAdd(0.33333361148834228515625f, DfMul(s, x)), s));
        x = DfMul(t, x);
        if (odd)
        {
            x = DfReciprocal(x);
        }

        float result = x.X + x.Y;
        return d == 0 && float.IsNegative(d) ? d : result;
    }

    /// <summary>
    /// <c>Vectorized&lt;float&gt;::pow</c> on an AVX2 CPU: SLEEF's <c>Sleef_powf8_u10</c> (<c>xpowf</c>:
    /// <c>expk(logk(|x|)·y)</c> in double-float arithmetic, multiply-adds fused), for a positive finite base. PyTorch
    /// uses it for the 16-element blocks of <c>tensor ** scalar</c>; the remaining elements take the C library's
    /// <c>powf</c>.
    /// </summary>
    public static float SleefPow(float x, float y)
    {
        if (!(x > 0) || !float.IsFinite(x) || !float.IsFinite(y))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "Only a positive finite base and a finite exponent are supported.");
        }

        if (y == 0 || x == 1)
        {
            return 1f;
        }

        float result = ExpK(DfMul(LogK(x), y));
        return float.IsNaN(result) ? float.PositiveInfinity : result;
    }

    /// <summary>SLEEF's <c>logkf</c> for a normal positive float: ln d as a double-float.</summary>
    private static (float X, float Y) LogK(float d)
    {
        int e = ((BitConverter.SingleToInt32Bits(d * (1.0f / 0.75f)) >> 23) & 0xff) - 0x7f;
        float m = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(d) + (-e << 23));
        (float X, float Y) x = DfDiv(DfAdd2(-1f, m), DfAdd2(1f, m));
        (float X, float Y) x2 = DfSquare(x);
        float t = 0.240320354700088500976562f;
        t = MathF.FusedMultiplyAdd(t, x2.X, 0.285112679004669189453125f);
        t = MathF.FusedMultiplyAdd(t, x2.X, 0.400007992982864379882812f);
        (float X, float Y) c = (0.66666662693023681640625f, 3.69183861259614332084311e-09f);
        (float X, float Y) s = DfMul((0.69314718246459960938f, -1.904654323148236017e-09f), (float)e);
        s = DfAddOrdered(s, (x.X * 2, x.Y * 2));
        s = DfAddOrdered(s, DfMul(DfMul(x2, x), DfAdd2(DfMul(x2, t), c)));
        return s;
    }

    /// <summary>SLEEF's <c>expkf</c>: e^(d.x + d.y) for a double-float argument.</summary>
    private static float ExpK((float X, float Y) d)
    {
        const float RLn2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;
        const float L2U = 0.693145751953125f;
        const float L2L = 1.428606765330187045e-06f;
        float qf = MathF.Round((d.X + d.Y) * RLn2, MidpointRounding.ToEven);
        int q = (int)qf;
        (float X, float Y) s = DfAdd2(d, qf * -L2U);
        s = DfAdd2(s, qf * -L2L);
        s = DfNormalize(s);
        float u = 0.00136324646882712841033936f;
        u = MathF.FusedMultiplyAdd(u, s.X, 0.00836596917361021041870117f);
        u = MathF.FusedMultiplyAdd(u, s.X, 0.0416710823774337768554688f);
        u = MathF.FusedMultiplyAdd(u, s.X, 0.166665524244308471679688f);
        u = MathF.FusedMultiplyAdd(u, s.X, 0.499999850988388061523438f);
        (float X, float Y) t = DfAddOrdered(s, DfMul(DfSquare(s), u));
        t = DfAdd(1f, t);
        u = t.X + t.Y;
        int half = q >> 1;
        u = u * BitConverter.Int32BitsToSingle((half + 127) << 23) * BitConverter.Int32BitsToSingle((q - half + 127) << 23);
        return d.X < -104f ? 0f : u;
    }

    private static (float X, float Y) DfAdd2((float X, float Y) x, float y)
    {
        float s = x.X + y;
        float v = s - x.X;
        float t = (x.X - (s - v)) + (y - v);
        return (s, t + x.Y);
    }

    private static (float X, float Y) DfAdd2((float X, float Y) x, (float X, float Y) y)
    {
        float s = x.X + y.X;
        float v = s - x.X;
        float t = (x.X - (s - v)) + (y.X - v);
        return (s, t + (x.Y + y.Y));
    }

    /// <summary><c>dfadd_vf2_vf2_vf2</c> (assumes |x| ≥ |y|).</summary>
    private static (float X, float Y) DfAddOrdered((float X, float Y) x, (float X, float Y) y)
    {
        float s = x.X + y.X;
        return (s, (((x.X - s) + y.X) + x.Y) + y.Y);
    }

    private static (float X, float Y) DfMul((float X, float Y) x, float y)
    {
        float s = x.X * y;
        return (s, MathF.FusedMultiplyAdd(x.Y, y, MathF.FusedMultiplyAdd(x.X, y, -s)));
    }

    private static (float X, float Y) DfDiv((float X, float Y) n, (float X, float Y) d)
    {
        float t = 1f / d.X;
        float s = n.X * t;
        float u = MathF.FusedMultiplyAdd(t, n.X, -s);
        float v = MathF.FusedMultiplyAdd(-d.Y, t, MathF.FusedMultiplyAdd(-d.X, t, 1f));
        return (s, MathF.FusedMultiplyAdd(s, v, MathF.FusedMultiplyAdd(n.Y, t, u)));
    }

    // SLEEF's double-float helpers (df.h) in their FMA forms.
    private static (float X, float Y) DfAdd2(float x, float y)
    {
        float s = x + y;
        float v = s - x;
        return (s, (x - (s - v)) + (y - v));
    }

    private static (float X, float Y) DfAdd((float X, float Y) x, float y)
    {
        float s = x.X + y;
        return (s, ((x.X - s) + y) + x.Y);
    }

    private static (float X, float Y) DfAdd(float x, float y)
    {
        float s = x + y;
        return (s, (x - s) + y);
    }

    private static (float X, float Y) DfAdd(float x, (float X, float Y) y)
    {
        float s = x + y.X;
        return (s, ((x - s) + y.X) + y.Y);
    }

    private static (float X, float Y) DfNormalize((float X, float Y) t)
    {
        float s = t.X + t.Y;
        return (s, (t.X - s) + t.Y);
    }

    private static (float X, float Y) DfSquare((float X, float Y) x)
    {
        float s = x.X * x.X;
        return (s, MathF.FusedMultiplyAdd(x.X + x.X, x.Y, MathF.FusedMultiplyAdd(x.X, x.X, -s)));
    }

    private static (float X, float Y) DfMul((float X, float Y) x, (float X, float Y) y)
    {
        float s = x.X * y.X;
        return (s, MathF.FusedMultiplyAdd(x.X, y.Y, MathF.FusedMultiplyAdd(x.Y, y.X, MathF.FusedMultiplyAdd(x.X, y.X, -s))));
    }

    private static (float X, float Y) DfReciprocal((float X, float Y) d)
    {
        float s = 1f / d.X;
        return (s, s * MathF.FusedMultiplyAdd(-d.Y, s, MathF.FusedMultiplyAdd(-d.X, s, 1f)));
    }

    /// <summary>Python's <c>round(x, 6)</c>: the exact binary value rounded half-to-even at the sixth decimal.</summary>
    public static double RoundToMicro(double x)
    {
        if (!double.IsFinite(x) || x == 0)
        {
            return x;
        }

        // x = mantissa · 2^exponent exactly; x·10⁶ as the fraction num/den with den a power of two.
        long bits = BitConverter.DoubleToInt64Bits(x);
        bool negative = bits < 0;
        int rawExponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (rawExponent == 0)
        {
            rawExponent = 1;
        }
        else
        {
            mantissa |= 1L << 52;
        }

        int exponent = rawExponent - 1075;
        BigInteger num = new BigInteger(mantissa) * 1_000_000;
        BigInteger den = BigInteger.One;
        if (exponent >= 0)
        {
            num <<= exponent;
        }
        else
        {
            den <<= -exponent;
        }

        BigInteger quotient = BigInteger.DivRem(num, den, out BigInteger remainder);
        BigInteger twice = remainder * 2;
        int cmp = twice.CompareTo(den);
        if (cmp > 0 || (cmp == 0 && !quotient.IsEven))
        {
            quotient += 1;
        }

        // The decimal N·10⁻⁶, correctly rounded to double by the parser (as Python's float(str) does).
        double rounded = double.Parse(quotient.ToString(CultureInfo.InvariantCulture) + "e-6", NumberStyles.Float, CultureInfo.InvariantCulture);
        return negative ? -rounded : rounded;
    }
}
