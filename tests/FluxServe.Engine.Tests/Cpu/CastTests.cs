using FluxServe.Engine.Cpu;
using FluxServe.Engine.Numerics;

namespace FluxServe.Engine.Tests.Cpu;

public sealed class CastTests
{
    private static readonly DType[] s_all = [DType.F32, DType.F16, DType.BF16, DType.F8E4M3FN, DType.F8E5M2, DType.I64, DType.I32, DType.U8, DType.Bool];

    private static CpuBackend Cpu => CpuBackend.Instance;

    [Fact]
    public void FloatToFloatWidensExactlyThenRoundsOnce()
    {
        // Long enough for several chunks and the threaded path; values spanning every format's range and ties.
        float[] values = SampleFloats(20_011);
        using var x = Tensor.FromArray(values, values.Length);
        foreach (var target in new[] { DType.F16, DType.BF16, DType.F8E4M3FN, DType.F8E5M2 })
        {
            using var narrowed = Cpu.Cast(x, target);
            for (int i = 0; i < values.Length; i++)
            {
                Assert.Equal(Narrow(values[i], target), ReadBits(narrowed, i));
            }

            // Back to F32, and across to every other float format, through the exact widening.
            using var widened = Cpu.Cast(narrowed, DType.F32);
            float[] back = widened.ToArray<float>();
            for (int i = 0; i < values.Length; i++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(Widen(Narrow(values[i], target), target)), BitConverter.SingleToInt32Bits(back[i]));
            }

            foreach (var other in new[] { DType.F16, DType.BF16, DType.F8E4M3FN, DType.F8E5M2 })
            {
                using var across = Cpu.Cast(narrowed, other);
                for (int i = 0; i < values.Length; i += 7)
                {
                    Assert.Equal(Narrow(Widen(Narrow(values[i], target), target), other), ReadBits(across, i));
                }
            }
        }
    }

    [Fact]
    public void IntegersRoundOnceToNarrowFloats()
    {
        // Integers between representable values, including exact ties, where int → float32 → bf16 would round twice.
        long[] values = [0, 1, -1, 255, 256, 257, 258, 259, 16_842_753, -16_842_753, 16_777_217, 16_777_219, 33_554_435, -33_554_435, 1_000_001, 65_520, 65_519, 2049, 2051, 463, 465, 449, (1L << 40) + (1L << 32) + 1, long.MaxValue, long.MinValue];
        using var x64 = Tensor.FromSpan<long>(values, [values.Length], DType.I64);
        int[] ints = [.. values.Where(v => v is >= int.MinValue and <= int.MaxValue).Select(v => (int)v)];
        using var x32 = Tensor.FromSpan<int>(ints, [ints.Length], DType.I32);
        foreach (var target in new[] { DType.F32, DType.F16, DType.BF16, DType.F8E4M3FN, DType.F8E5M2 })
        {
            using var y64 = Cpu.Cast(x64, target);
            using var y32 = Cpu.Cast(x32, target);
            for (int i = 0; i < values.Length; i++)
            {
                Assert.Equal(CorrectlyRounded(values[i], target), ReadBits(y64, i));
            }

            for (int i = 0; i < ints.Length; i++)
            {
                Assert.Equal(CorrectlyRounded(ints[i], target), ReadBits(y32, i));
            }
        }
    }

    [Fact]
    public void FloatsTruncateToIntegersAndBoolIsNonZero()
    {
        float[] values = [0f, -0f, 0.9f, -0.9f, 1.5f, -1.5f, 255.9f, 256f, -1f, -129.7f, 3e9f, -3e9f, 1e20f, float.NaN, float.PositiveInfinity, 7f];
        using var x = Tensor.FromArray(values, values.Length);
        using var i64 = Cpu.Cast(x, DType.I64);
        using var i32 = Cpu.Cast(x, DType.I32);
        using var u8 = Cpu.Cast(x, DType.U8);
        using var flag = Cpu.Cast(x, DType.Bool);
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            long truncated = float.IsNaN(v) ? 0 : v >= 9.2233720e18f ? long.MaxValue : v <= -9.2233720e18f ? long.MinValue : (long)Math.Truncate((double)v);
            Assert.Equal(truncated, i64.ToArray<long>()[i]);
            Assert.Equal(float.IsNaN(v) ? 0 : (int)Math.Clamp(Math.Truncate((double)v), int.MinValue, int.MaxValue), i32.ToArray<int>()[i]);
            Assert.Equal(unchecked((byte)truncated), u8.ToArray<byte>()[i]);
            Assert.Equal(v != 0 ? (byte)1 : (byte)0, flag.ToArray<byte>()[i]);
        }

        Assert.Equal(255, u8.ToArray<byte>()[8]);
    }

    [Fact]
    public void IntegerConversionsWrapAndBoolReadsNonZero()
    {
        long[] values = [0, 1, -1, 255, 256, -129, 1L << 33, (1L << 32) + 5, long.MinValue];
        using var x = Tensor.FromSpan<long>(values, [values.Length], DType.I64);
        using var i32 = Cpu.Cast(x, DType.I32);
        using var u8 = Cpu.Cast(x, DType.U8);
        using var flag = Cpu.Cast(x, DType.Bool);
        Assert.Equal(values.Select(v => unchecked((int)v)).ToArray(), i32.ToArray<int>());
        Assert.Equal(values.Select(v => unchecked((byte)v)).ToArray(), u8.ToArray<byte>());
        Assert.Equal(values.Select(v => v != 0 ? (byte)1 : (byte)0).ToArray(), flag.ToArray<byte>());

        using var raw = Tensor.FromSpan<byte>([0, 1, 2, 255], [4], DType.Bool);
        using var fromBool = Cpu.Cast(raw, DType.I64);
        Assert.Equal([0L, 1, 1, 1], fromBool.ToArray<long>());
        using var u = Tensor.FromSpan<byte>([0, 200, 255], [3], DType.U8);
        using var fromU8 = Cpu.Cast(u, DType.F32);
        Assert.Equal([0f, 200f, 255f], fromU8.ToArray<float>());
    }

    [Fact]
    public void EveryPairConvertsAndKeepsTheShape()
    {
        byte[] sample = [0, 1, 2, 3, 60, 61, 62, 63];
        foreach (var from in s_all)
        {
            using var x = Tensor.Zeros([2, 3], from);
            for (int i = 0; i < x.ByteLength; i++)
            {
                x.AsBytes()[i] = from == DType.Bool ? (byte)(i % 2) : sample[i % sample.Length];
            }

            foreach (var to in s_all)
            {
                using var y = Cpu.Cast(x, to);
                Assert.Equal([2, 3], y.Shape.ToArray());
                Assert.Equal(to, y.DType);
                if (from == to)
                {
                    Assert.True(x.AsBytes().SequenceEqual(y.AsBytes()));
                }
            }
        }
    }

    private static float[] SampleFloats(int n)
    {
        var random = new Random(7);
        var values = new List<float> { 0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 448f, 464f, 465f, 480f, 57344f, 61440f, 65504f, 65520f, 1e-8f, 1e-40f, -2.5f };
        while (values.Count < n)
        {
            // Random bit patterns cover every exponent; halfway points between bf16 neighbours test the ties.
            float v = BitConverter.Int32BitsToSingle(random.Next());
            values.Add(random.Next(2) == 0 ? v : BitConverter.Int32BitsToSingle((int)(BitConverter.SingleToUInt32Bits(v) & 0xFFFF0000u) | 0x8000));
        }

        return [.. values];
    }

    private static uint ReadBits(Tensor t, int i) => t.DType switch
    {
        DType.F16 or DType.BF16 => t.AsSpan<ushort>()[i],
        DType.F32 => t.AsSpan<uint>()[i],
        _ => t.AsSpan<byte>()[i],
    };

    private static uint Narrow(float v, DType dtype) => dtype switch
    {
        DType.F16 => HalfConversion.FromSingle(v),
        DType.BF16 => BFloat16Conversion.FromSingle(v),
        DType.F8E4M3FN => Float8E4M3FNConversion.FromSingle(v),
        DType.F8E5M2 => Float8E5M2Conversion.FromSingle(v),
        _ => BitConverter.SingleToUInt32Bits(v),
    };

    private static float Widen(uint bits, DType dtype) => dtype switch
    {
        DType.F16 => HalfConversion.ToSingle((ushort)bits),
        DType.BF16 => BFloat16Conversion.ToSingle((ushort)bits),
        DType.F8E4M3FN => Float8E4M3FNConversion.ToSingle((byte)bits),
        DType.F8E5M2 => Float8E5M2Conversion.ToSingle((byte)bits),
        _ => BitConverter.UInt32BitsToSingle(bits),
    };

    /// <summary>
    /// The target format's value nearest to the integer (ties to the even bit pattern), by search over every finite
    /// bit pattern of the format; out of range it overflows as the float path does.
    /// </summary>
    private static uint CorrectlyRounded(long value, DType dtype)
    {
        int bits = dtype == DType.F32 ? 32 : dtype is DType.F16 or DType.BF16 ? 16 : 8;
        if (bits == 32)
        {
            // float32's neighbours of a long: exact rational comparison through Int128 and decimal-free doubling.
            float candidate = value;
            Int128 exact = value;
            float below = (Int128)(double)candidate <= exact ? candidate : MathF.BitDecrement(candidate);
            float above = MathF.BitIncrement(below);
            Int128 distanceBelow = exact - (Int128)(double)below, distanceAbove = (Int128)(double)above - exact;
            if (distanceBelow == 0)
            {
                return BitConverter.SingleToUInt32Bits(below);
            }

            float chosen = distanceBelow < distanceAbove ? below
                : distanceAbove < distanceBelow ? above
                : (BitConverter.SingleToUInt32Bits(below) & 1) == 0 ? below : above;
            return BitConverter.SingleToUInt32Bits(chosen);
        }

        double best = double.NaN;
        uint bestBits = 0;
        double max = 0, belowMax = 0;
        for (uint pattern = 0; pattern < 1u << bits; pattern++)
        {
            double candidate = Widen(pattern, dtype);
            if (double.IsNaN(candidate) || double.IsInfinity(candidate))
            {
                continue;
            }

            if (candidate > max)
            {
                belowMax = max;
                max = candidate;
            }
            else if (candidate > belowMax && candidate < max)
            {
                belowMax = candidate;
            }

            double d = Math.Abs(candidate - value), bestD = Math.Abs(best - value);
            if (double.IsNaN(best) || d < bestD || (d == bestD && (pattern & 1) == 0 && candidate != best))
            {
                best = candidate;
                bestBits = pattern;
            }
        }

        // From the largest finite value plus half its spacing on, the value overflows (or ties at the top) exactly as
        // the same float32 does under the format's own rule.
        return Math.Abs((double)value) >= max + ((max - belowMax) / 2) ? Narrow(value, dtype) : bestBits;
    }
}
