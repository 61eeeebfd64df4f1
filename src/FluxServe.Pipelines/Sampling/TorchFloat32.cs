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
