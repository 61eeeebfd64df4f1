using FluxServe.Engine.Numerics;

namespace FluxServe.Engine.Tests.Numerics;

/// <summary>
/// A narrow float format described by its bit layout, with an independent decoder (sign · 2^e · 1.m in double
/// arithmetic) and an independent round-to-nearest-even encoder (nearest entry of the sorted value table, ties to the
/// even bit pattern) to check the conversions against. The format-specific rules for overflow and NaN are the ones the
/// conversion classes document (c10's, and <see cref="Half"/>'s for binary16).
/// </summary>
public sealed class FloatFormat
{
    private readonly double[] _values; // non-negative patterns 0..top, in increasing order of value
    private readonly uint[] _patterns;

    private FloatFormat(string name, int bits, int exponentBits, int bias, bool ieee, Func<uint, uint> nanRule)
    {
        Name = name;
        Bits = bits;
        ExponentBits = exponentBits;
        MantissaBits = bits - 1 - exponentBits;
        Bias = bias;
        Ieee = ieee;
        NaNRule = nanRule;

        // Positive patterns are ordered like their values; the top entry is infinity (IEEE formats: value 2^(emax+1),
        // the next binade) or, for e4m3fn, the NaN pattern S.1111.111 whose formula value is 480. Rounding towards it
        // gives that pattern, as c10 does.
        uint top = ieee ? (uint)(((1 << exponentBits) - 1) << MantissaBits) : (uint)((1 << (bits - 1)) - 1);
        _patterns = new uint[top + 1];
        _values = new double[top + 1];
        for (uint p = 0; p <= top; p++)
        {
            _patterns[p] = p;
            _values[p] = FormulaValue(p);
        }
    }

    public string Name { get; }

    public int Bits { get; }

    public int ExponentBits { get; }

    public int MantissaBits { get; }

    public int Bias { get; }

    /// <summary>IEEE-like: the all-ones exponent encodes infinities and NaNs.</summary>
    public bool Ieee { get; }

    /// <summary>The pattern a NaN input narrows to, given the float32 bits of the NaN.</summary>
    public Func<uint, uint> NaNRule { get; }

    public static FloatFormat BFloat16 { get; } = new("BF16", 16, 8, 127, ieee: true, _ => BFloat16Conversion.CanonicalNaN);

    public static FloatFormat Float16 { get; } = new("F16", 16, 5, 15, ieee: true, f => ((f >> 16) & 0x8000u) | 0x7E00u | ((f & 0x7FFFFFu) >> 13));

    public static FloatFormat E4M3FN { get; } = new("F8E4M3FN", 8, 4, 7, ieee: false, f => ((f >> 24) & 0x80u) | 0x7Fu);

    public static FloatFormat E5M2 { get; } = new("F8E5M2", 8, 5, 15, ieee: true, f => ((f >> 24) & 0x80u) | 0x7Fu);

    public static FloatFormat ByName(string name) => name switch
    {
        "BF16" => BFloat16,
        "F16" => Float16,
        "F8E4M3FN" => E4M3FN,
        "F8E5M2" => E5M2,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public uint SignBit => 1u << (Bits - 1);

    public bool IsNaN(uint bits)
    {
        uint magnitude = bits & (SignBit - 1);
        uint exponent = magnitude >> MantissaBits;
        uint mantissa = magnitude & ((1u << MantissaBits) - 1);
        uint maxExponent = (1u << ExponentBits) - 1;
        return Ieee ? exponent == maxExponent && mantissa != 0 : magnitude == SignBit - 1;
    }

    /// <summary>The value of a pattern: ±2^(e−bias)·(1 + m/2^M), subnormals ±2^(1−bias)·m/2^M, IEEE infinities.</summary>
    public double Decode(uint bits)
    {
        if (IsNaN(bits))
        {
            return double.NaN;
        }

        double sign = (bits & SignBit) != 0 ? -1 : 1;
        uint magnitude = bits & (SignBit - 1);
        uint exponent = magnitude >> MantissaBits;
        if (Ieee && exponent == (1u << ExponentBits) - 1)
        {
            return sign * double.PositiveInfinity;
        }

        return sign * FormulaValue(magnitude);
    }

    /// <summary>Round to nearest, ties to the even pattern, with the format's overflow and NaN rules.</summary>
    public uint Encode(float value)
    {
        uint f = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return NaNRule(f);
        }

        uint sign = (f & 0x80000000u) != 0 ? SignBit : 0;
        double a = Math.Abs((double)value);
        int top = _values.Length - 1;
        if (a >= _values[top])
        {
            return sign | _patterns[top];
        }

        int lo = Array.BinarySearch(_values, a);
        if (lo >= 0)
        {
            return sign | _patterns[lo];
        }

        int hi = ~lo;
        lo = hi - 1;
        double below = a - _values[lo];
        double above = _values[hi] - a;
        uint pick = below < above ? _patterns[lo] : above < below ? _patterns[hi] : (_patterns[lo] & 1) == 0 ? _patterns[lo] : _patterns[hi];
        return sign | pick;
    }

    /// <summary>
    /// Float32 inputs that probe every rounding decision: each representable value, the midpoints between neighbours
    /// (ties) and the floats just beside them, both signs; values past the top; specials; random bit patterns.
    /// </summary>
    public float[] NarrowingProbes(int seed)
    {
        var probes = new List<float>();
        for (int p = 0; p + 1 < _values.Length; p++)
        {
            float v = (float)_values[p];
            float mid = (float)((_values[p] + _values[p + 1]) / 2);
            Assert.Equal((_values[p] + _values[p + 1]) / 2, (double)mid); // the tie itself must be a float32
            foreach (float x in new[] { v, mid, MathF.BitDecrement(mid), MathF.BitIncrement(mid) })
            {
                probes.Add(x);
                probes.Add(-x);
            }
        }

        double topValue = _values[^1];
        foreach (double x in new[] { topValue, topValue * 1.5, topValue * 1e3, float.MaxValue, float.Epsilon, 1e-30, 1e-40 })
        {
            probes.Add((float)x);
            probes.Add(-(float)x);
            probes.Add(MathF.BitDecrement((float)x));
        }

        foreach (uint special in new uint[] { 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001, 0x7FA00000, 0xFF812345, 0x7FFFFFFF, 0x7F802000, 0x00000001, 0x807FFFFF })
        {
            probes.Add(BitConverter.UInt32BitsToSingle(special));
        }

        var random = new Random(seed);
        for (int i = 0; i < 20000; i++)
        {
            probes.Add(BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32)));
            probes.Add((float)((random.NextDouble() * 2 - 1) * topValue * 1.2));
        }

        return probes.ToArray();
    }

    public override string ToString() => Name;

    private double FormulaValue(uint magnitude)
    {
        uint exponent = magnitude >> MantissaBits;
        double mantissa = magnitude & ((1u << MantissaBits) - 1);
        double scale = Math.Pow(2, MantissaBits);
        return exponent == 0
            ? Math.ScaleB(mantissa / scale, 1 - Bias)
            : Math.ScaleB(1 + (mantissa / scale), (int)exponent - Bias);
    }
}
