using System.Runtime.InteropServices;
using FluxServe.Engine.Numerics;

namespace FluxServe.Engine.Tests.Numerics;

/// <summary>
/// Every conversion on every vector path this machine has: widening over all 2^16 / 2^8 bit patterns against the
/// independent decoder of <see cref="FloatFormat"/>, narrowing over tie-probing inputs against its round-to-nearest-even
/// encoder, and span lengths around each block size against the scalar conversion (tails).
/// </summary>
public sealed class FloatFormatConversionTests
{
    public static TheoryData<string, int> FormatsAndLevels()
    {
        var data = new TheoryData<string, int>();
        foreach (string format in new[] { "BF16", "F16", "F8E4M3FN", "F8E5M2" })
        {
            foreach (SimdLevel level in SimdLevels.Supported())
            {
                data.Add(format, (int)level);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FormatsAndLevels))]
    public void Widening_every_bit_pattern_matches_the_formula(string formatName, int level)
    {
        var format = FloatFormat.ByName(formatName);
        uint count = 1u << format.Bits;
        uint[] patterns = new uint[count];
        for (uint p = 0; p < count; p++)
        {
            patterns[p] = p;
        }

        float[] widened = Widen(format, patterns, (SimdLevel)level);
        for (uint p = 0; p < count; p++)
        {
            uint actual = BitConverter.SingleToUInt32Bits(widened[p]);
            if (format.IsNaN(p))
            {
                Assert.True(float.IsNaN(widened[p]), $"{format} 0x{p:X} should widen to NaN, got 0x{actual:X8}");
                Assert.Equal(ExpectedNaNBits(format, p), actual);
            }
            else
            {
                uint expected = BitConverter.SingleToUInt32Bits((float)format.Decode(p));
                Assert.True(expected == actual, $"{format} 0x{p:X}: expected 0x{expected:X8} ({format.Decode(p)}), got 0x{actual:X8} ({widened[p]})");
            }
        }
    }

    [Theory]
    [MemberData(nameof(FormatsAndLevels))]
    public void Narrowing_rounds_to_nearest_even_with_the_formats_overflow_and_NaN_rules(string formatName, int level)
    {
        var format = FloatFormat.ByName(formatName);
        float[] probes = format.NarrowingProbes(seed: 1234);
        uint[] narrowed = Narrow(format, probes, (SimdLevel)level);
        for (int i = 0; i < probes.Length; i++)
        {
            uint expected = format.Encode(probes[i]);
            if (expected != narrowed[i])
            {
                Assert.Fail($"{format} narrowing of {probes[i]:R} (0x{BitConverter.SingleToUInt32Bits(probes[i]):X8}): expected 0x{expected:X}, got 0x{narrowed[i]:X}");
            }
        }
    }

    [Fact]
    public void Float16_reference_encoder_is_System_Half()
    {
        // Ties the independent encoder to the semantics HalfConversion promises: (Half)value, NaN payloads included.
        float[] probes = FloatFormat.Float16.NarrowingProbes(seed: 99);
        foreach (float x in probes)
        {
            Assert.Equal(BitConverter.HalfToUInt16Bits((Half)x), (ushort)FloatFormat.Float16.Encode(x));
        }
    }

    [Theory]
    [MemberData(nameof(FormatsAndLevels))]
    public void Every_span_length_matches_the_scalar_conversion_and_writes_nothing_past_the_end(string formatName, int level)
    {
        var format = FloatFormat.ByName(formatName);
        var random = new Random(7);
        for (int length = 0; length <= 200; length++)
        {
            uint[] patterns = new uint[length];
            float[] values = new float[length];
            for (int i = 0; i < length; i++)
            {
                patterns[i] = (uint)random.Next(1 << format.Bits);
                values[i] = (float)((random.NextDouble() - 0.5) * 600);
            }

            float[] widened = Widen(format, patterns, (SimdLevel)level, guard: 3);
            uint[] narrowed = Narrow(format, values, (SimdLevel)level, guard: 3);
            for (int i = 0; i < length; i++)
            {
                Assert.Equal(BitConverter.SingleToUInt32Bits(Widen(format, [patterns[i]], SimdLevel.Scalar)[0]), BitConverter.SingleToUInt32Bits(widened[i]));
                Assert.Equal(Narrow(format, [values[i]], SimdLevel.Scalar)[0], narrowed[i]);
            }

            for (int i = length; i < length + 3; i++)
            {
                Assert.Equal(-1f, widened[i]);
                Assert.Equal(0xA5u, narrowed[i] & 0xFFu);
            }
        }
    }

    [Fact]
    public void Destination_shorter_than_source_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => BFloat16Conversion.ToSingle(new ushort[10], new float[9]));
        Assert.Throws<ArgumentException>(() => HalfConversion.FromSingle(new float[10], new ushort[9]));
        Assert.Throws<ArgumentException>(() => Float8E4M3FNConversion.ToSingle(new byte[100], new float[99]));
        Assert.Throws<ArgumentException>(() => Float8E5M2Conversion.FromSingle(new float[100], new byte[99]));
    }

    private static uint ExpectedNaNBits(FloatFormat format, uint bits) => format.Name switch
    {
        "BF16" => bits << 16,
        "F16" => BitConverter.SingleToUInt32Bits((float)BitConverter.UInt16BitsToHalf((ushort)bits)),
        "F8E4M3FN" => ((bits & 0x80u) << 24) | 0x7FF00000u,
        _ => BitConverter.SingleToUInt32Bits((float)BitConverter.UInt16BitsToHalf((ushort)(bits << 8))),
    };

    /// <summary>Widens on one path; <paramref name="guard"/> extra destination slots are pre-filled with −1.</summary>
    internal static float[] Widen(FloatFormat format, uint[] patterns, SimdLevel level, int guard = 0)
    {
        float[] result = new float[patterns.Length + guard];
        Array.Fill(result, -1f);
        var destination = result.AsSpan();
        if (format.Bits == 16)
        {
            ushort[] source = Array.ConvertAll(patterns, p => (ushort)p);
            if (format == FloatFormat.BFloat16)
            {
                BFloat16Conversion.ToSingle(source, destination, level);
            }
            else
            {
                HalfConversion.ToSingle(source, destination, level);
            }
        }
        else
        {
            byte[] source = Array.ConvertAll(patterns, p => (byte)p);
            if (format == FloatFormat.E4M3FN)
            {
                Float8E4M3FNConversion.ToSingle(source, destination, level);
            }
            else
            {
                Float8E5M2Conversion.ToSingle(source, destination, level);
            }
        }

        return result;
    }

    /// <summary>Narrows on one path; <paramref name="guard"/> extra destination slots are pre-filled with 0xA5 bytes.</summary>
    internal static uint[] Narrow(FloatFormat format, float[] values, SimdLevel level, int guard = 0)
    {
        if (format.Bits == 16)
        {
            ushort[] destination = new ushort[values.Length + guard];
            Array.Fill(destination, (ushort)0xA5A5);
            if (format == FloatFormat.BFloat16)
            {
                BFloat16Conversion.FromSingle(values, destination, level);
            }
            else
            {
                HalfConversion.FromSingle(values, destination, level);
            }

            return Array.ConvertAll(destination, x => (uint)x);
        }
        else
        {
            byte[] destination = new byte[values.Length + guard];
            Array.Fill(destination, (byte)0xA5);
            if (format == FloatFormat.E4M3FN)
            {
                Float8E4M3FNConversion.FromSingle(values, destination, level);
            }
            else
            {
                Float8E5M2Conversion.FromSingle(values, destination, level);
            }

            return Array.ConvertAll(destination, x => (uint)x);
        }
    }
}
