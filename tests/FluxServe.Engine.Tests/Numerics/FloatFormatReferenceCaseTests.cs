using FluxServe.Engine.Numerics;

namespace FluxServe.Engine.Tests.Numerics;

/// <summary>
/// Bit-level cases worked out by hand from the format definitions and c10's rules (ties, subnormals, the largest
/// finite value, overflow, NaN), each checked through the scalar entry point and every vector path.
/// </summary>
public sealed class FloatFormatReferenceCaseTests
{
    [Theory]
    // bfloat16: ties go to the even pattern; rounding past the largest finite value gives infinity; NaN is canonical.
    [InlineData("BF16", 0x3F800000u, 0x3F80u)] // 1
    [InlineData("BF16", 0x3F808000u, 0x3F80u)] // 1 + 2^-8: tie, 0x3F80 is even
    [InlineData("BF16", 0x3F818000u, 0x3F82u)] // tie, 0x3F81 is odd: up
    [InlineData("BF16", 0x3F808001u, 0x3F81u)] // just above the tie
    [InlineData("BF16", 0x3F807FFFu, 0x3F80u)] // just below the tie
    [InlineData("BF16", 0x7F7F7FFFu, 0x7F7Fu)] // rounds down to the largest finite value
    [InlineData("BF16", 0x7F7F8000u, 0x7F80u)] // tie above the largest finite value: infinity
    [InlineData("BF16", 0x7F7FFFFFu, 0x7F80u)] // float.MaxValue: infinity
    [InlineData("BF16", 0xFF800000u, 0xFF80u)] // -inf
    [InlineData("BF16", 0x80000000u, 0x8000u)] // -0
    [InlineData("BF16", 0x00000001u, 0x0000u)] // smallest float subnormal
    [InlineData("BF16", 0x00008000u, 0x0000u)] // subnormal tie to even (0)
    [InlineData("BF16", 0x00018000u, 0x0002u)] // subnormal tie, odd below: up
    [InlineData("BF16", 0x00008001u, 0x0001u)]
    [InlineData("BF16", 0x7FC00000u, 0x7FC0u)] // NaN
    [InlineData("BF16", 0xFFC00000u, 0x7FC0u)] // negative NaN: sign dropped
    [InlineData("BF16", 0x7F800001u, 0x7FC0u)] // signalling NaN
    [InlineData("BF16", 0xFFFFFFFFu, 0x7FC0u)]
    // binary16 (System.Half semantics)
    [InlineData("F16", 0x3F800000u, 0x3C00u)] // 1
    [InlineData("F16", 0x3F801000u, 0x3C00u)] // 1 + 2^-11: tie to even
    [InlineData("F16", 0x3F803000u, 0x3C02u)] // 1 + 3·2^-11: tie, odd below: up
    [InlineData("F16", 0x477FE000u, 0x7BFFu)] // 65504, the largest finite value
    [InlineData("F16", 0x477FEFFFu, 0x7BFFu)] // just below 65520
    [InlineData("F16", 0x477FF000u, 0x7C00u)] // 65520: tie, rounds to infinity
    [InlineData("F16", 0x38800000u, 0x0400u)] // 2^-14, the smallest normal
    [InlineData("F16", 0x33800000u, 0x0001u)] // 2^-24, the smallest subnormal
    [InlineData("F16", 0x33000000u, 0x0000u)] // 2^-25: tie between 0 and 2^-24: 0
    [InlineData("F16", 0x33000001u, 0x0001u)]
    [InlineData("F16", 0x33C00000u, 0x0002u)] // 3·2^-25: tie, odd below: up
    [InlineData("F16", 0xFF800000u, 0xFC00u)] // -inf
    [InlineData("F16", 0x7FC00000u, 0x7E00u)] // NaN
    [InlineData("F16", 0xFF812345u, 0xFE09u)] // NaN keeps sign and top payload bits
    [InlineData("F16", 0x7F802000u, 0x7E01u)]
    // float8 e4m3fn (c10: not saturating; beyond range is NaN)
    [InlineData("F8E4M3FN", 0x3F800000u, 0x38u)] // 1
    [InlineData("F8E4M3FN", 0x3F880000u, 0x38u)] // 1.0625: tie between 1 (even) and 1.125
    [InlineData("F8E4M3FN", 0x3F980000u, 0x3Au)] // 1.1875: tie between 1.125 (odd) and 1.25
    [InlineData("F8E4M3FN", 0x43E00000u, 0x7Eu)] // 448, the largest finite value
    [InlineData("F8E4M3FN", 0x43E80000u, 0x7Eu)] // 464: tie between 448 (even) and the NaN pattern
    [InlineData("F8E4M3FN", 0x43E80001u, 0x7Fu)] // just above 464: NaN
    [InlineData("F8E4M3FN", 0x43EFFFFFu, 0x7Fu)] // just below 480: NaN
    [InlineData("F8E4M3FN", 0x43F00000u, 0x7Fu)] // 480: NaN
    [InlineData("F8E4M3FN", 0xC9742400u, 0xFFu)] // -1e6: NaN with the sign
    [InlineData("F8E4M3FN", 0x7F800000u, 0x7Fu)] // +inf: NaN
    [InlineData("F8E4M3FN", 0xFF800000u, 0xFFu)] // -inf: NaN
    [InlineData("F8E4M3FN", 0x7FC00000u, 0x7Fu)]
    [InlineData("F8E4M3FN", 0xFFC00000u, 0xFFu)]
    [InlineData("F8E4M3FN", 0x3C800000u, 0x08u)] // 2^-6, the smallest normal
    [InlineData("F8E4M3FN", 0x3B000000u, 0x01u)] // 2^-9, the smallest subnormal
    [InlineData("F8E4M3FN", 0x3A800000u, 0x00u)] // 2^-10: tie to 0
    [InlineData("F8E4M3FN", 0x3A800001u, 0x01u)]
    [InlineData("F8E4M3FN", 0x3B400000u, 0x02u)] // 3·2^-10: tie, odd below: up
    [InlineData("F8E4M3FN", 0x3C700000u, 0x08u)] // 7.5·2^-9: tie between 0x07 and 0x08: 0x08
    [InlineData("F8E4M3FN", 0x80000000u, 0x80u)] // -0
    [InlineData("F8E4M3FN", 0xBF800000u, 0xB8u)] // -1
    // float8 e5m2 (IEEE-like: overflow is infinity)
    [InlineData("F8E5M2", 0x3F800000u, 0x3Cu)] // 1
    [InlineData("F8E5M2", 0x3F900000u, 0x3Cu)] // 1.125: tie between 1 (even) and 1.25
    [InlineData("F8E5M2", 0x3FB00000u, 0x3Eu)] // 1.375: tie between 1.25 (odd) and 1.5
    [InlineData("F8E5M2", 0x47600000u, 0x7Bu)] // 57344, the largest finite value
    [InlineData("F8E5M2", 0x476FFFFFu, 0x7Bu)] // just below 61440
    [InlineData("F8E5M2", 0x47700000u, 0x7Cu)] // 61440: tie, rounds to infinity
    [InlineData("F8E5M2", 0x47800000u, 0x7Cu)] // 65536
    [InlineData("F8E5M2", 0xFF800000u, 0xFCu)] // -inf
    [InlineData("F8E5M2", 0x7FC00000u, 0x7Fu)] // NaN
    [InlineData("F8E5M2", 0xFFC00000u, 0xFFu)]
    [InlineData("F8E5M2", 0x38800000u, 0x04u)] // 2^-14, the smallest normal
    [InlineData("F8E5M2", 0x37800000u, 0x01u)] // 2^-16, the smallest subnormal
    [InlineData("F8E5M2", 0x37000000u, 0x00u)] // 2^-17: tie to 0
    [InlineData("F8E5M2", 0x37C00000u, 0x02u)] // 3·2^-17: tie, odd below: up
    public void Narrowing_reference_case(string formatName, uint inputBits, uint expected)
    {
        var format = FloatFormat.ByName(formatName);
        float x = BitConverter.UInt32BitsToSingle(inputBits);
        uint scalar = formatName switch
        {
            "BF16" => BFloat16Conversion.FromSingle(x),
            "F16" => HalfConversion.FromSingle(x),
            "F8E4M3FN" => Float8E4M3FNConversion.FromSingle(x),
            _ => Float8E5M2Conversion.FromSingle(x),
        };
        Assert.Equal(expected, scalar);
        Assert.Equal(expected, format.Encode(x));

        // The same value at every position of a span long enough for each vector block size.
        float[] span = new float[67];
        Array.Fill(span, x);
        foreach (SimdLevel level in SimdLevels.Supported())
        {
            foreach (uint bits in FloatFormatConversionTests.Narrow(format, span, level))
            {
                Assert.Equal(expected, bits);
            }
        }
    }

    [Theory]
    [InlineData("BF16", 0x3F80u, 0x3F800000u)]
    [InlineData("BF16", 0x0001u, 0x00010000u)] // 2^-133, a float32 subnormal
    [InlineData("BF16", 0xFF80u, 0xFF800000u)]
    [InlineData("BF16", 0x7FC1u, 0x7FC10000u)] // NaN payload kept
    [InlineData("F16", 0x0001u, 0x33800000u)] // 2^-24
    [InlineData("F16", 0x03FFu, 0x387FC000u)] // largest subnormal
    [InlineData("F16", 0x7BFFu, 0x477FE000u)] // 65504
    [InlineData("F16", 0xFC00u, 0xFF800000u)]
    [InlineData("F16", 0x7C01u, 0x7FC02000u)] // signalling NaN is quieted, payload kept
    [InlineData("F8E4M3FN", 0x38u, 0x3F800000u)]
    [InlineData("F8E4M3FN", 0x7Eu, 0x43E00000u)] // 448
    [InlineData("F8E4M3FN", 0x01u, 0x3B000000u)] // 2^-9
    [InlineData("F8E4M3FN", 0x07u, 0x3C600000u)] // 7·2^-9
    [InlineData("F8E4M3FN", 0x80u, 0x80000000u)] // -0
    [InlineData("F8E4M3FN", 0x7Fu, 0x7FF00000u)] // NaN, as c10 widens it
    [InlineData("F8E4M3FN", 0xFFu, 0xFFF00000u)]
    [InlineData("F8E4M3FN", 0x78u, 0x43800000u)] // 256: exponent 15 is finite in e4m3fn
    [InlineData("F8E5M2", 0x3Cu, 0x3F800000u)]
    [InlineData("F8E5M2", 0x7Bu, 0x47600000u)] // 57344
    [InlineData("F8E5M2", 0x7Cu, 0x7F800000u)] // inf
    [InlineData("F8E5M2", 0xFCu, 0xFF800000u)]
    [InlineData("F8E5M2", 0x01u, 0x37800000u)] // 2^-16
    [InlineData("F8E5M2", 0x7Du, 0x7FE00000u)] // NaN: half 0x7D00 quieted
    [InlineData("F8E5M2", 0x7Eu, 0x7FC00000u)]
    public void Widening_reference_case(string formatName, uint bits, uint expected)
    {
        var format = FloatFormat.ByName(formatName);
        float scalar = formatName switch
        {
            "BF16" => BFloat16Conversion.ToSingle((ushort)bits),
            "F16" => HalfConversion.ToSingle((ushort)bits),
            "F8E4M3FN" => Float8E4M3FNConversion.ToSingle((byte)bits),
            _ => Float8E5M2Conversion.ToSingle((byte)bits),
        };
        Assert.Equal(expected, BitConverter.SingleToUInt32Bits(scalar));

        uint[] span = new uint[67];
        Array.Fill(span, bits);
        foreach (SimdLevel level in SimdLevels.Supported())
        {
            foreach (float value in FloatFormatConversionTests.Widen(format, span, level))
            {
                Assert.Equal(expected, BitConverter.SingleToUInt32Bits(value));
            }
        }
    }
}
