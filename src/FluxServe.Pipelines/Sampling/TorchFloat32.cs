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
