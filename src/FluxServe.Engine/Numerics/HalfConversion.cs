using System.Runtime.Intrinsics;

namespace FluxServe.Engine.Numerics;

/// <summary>
/// Conversions between float32 and IEEE binary16 bit patterns with <see cref="Half"/>'s semantics (which for finite
/// values and infinities are also PyTorch's <c>c10::Half</c>).
/// </summary>
/// <remarks>
/// Narrowing rounds to nearest even, overflows to ±infinity (from 65520 up), produces subnormals below 2⁻¹⁴ and keeps
/// the sign. A NaN keeps its sign and the top ten payload bits with the quiet bit set (<c>sign | 0x7E00 | m ≫ 13</c>),
/// exactly as <c>(Half)value</c>; c10 would drop the payload (<c>sign | 0x7E00</c>). Widening is exact; a NaN is
/// quieted with its payload kept (<c>sign | 0x7FC00000 | m ≪ 13</c>), as <c>(float)half</c>. The vector paths use
/// the integer/float bit tricks of the FP16 library (M. Dukhan), checked against <see cref="Half"/> in the tests.
/// </remarks>
public static class HalfConversion
{
    /// <summary>Widens one binary16 bit pattern.</summary>
    public static float ToSingle(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>Narrows one value to binary16 bits (round to nearest even).</summary>
    public static ushort FromSingle(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    /// <summary>Widens binary16 bit patterns to float32 (vectorised; the spans must not overlap).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination) =>
        ConversionLoops.Widen16<Widening>(source, destination, SimdLevels.Best);

    /// <summary>Narrows float32 values to binary16 bit patterns (vectorised; the spans must not overlap).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static void FromSingle(ReadOnlySpan<float> source, Span<ushort> destination) =>
        ConversionLoops.Narrow16<Narrowing>(source, destination, SimdLevels.Best);

    /// <summary><see cref="ToSingle(ReadOnlySpan{ushort}, Span{float})"/> on a chosen vector path.</summary>
    internal static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination, SimdLevel level) =>
        ConversionLoops.Widen16<Widening>(source, destination, level);

    /// <summary><see cref="FromSingle(ReadOnlySpan{float}, Span{ushort})"/> on a chosen vector path.</summary>
    internal static void FromSingle(ReadOnlySpan<float> source, Span<ushort> destination, SimdLevel level) =>
        ConversionLoops.Narrow16<Narrowing>(source, destination, level);

    /// <summary>
    /// binary16 → float32. With <c>w</c> the half shifted to the top of a word and <c>t = 2w</c> (sign dropped):
    /// normal values re-bias the exponent by placing <c>t ≫ 4</c> under a float exponent offset and scaling by 2⁻¹¹²
    /// (which also carries infinities and NaNs through); subnormals (<c>t &lt; 2²⁷</c>) are built as
    /// <c>(0.5 + m·2⁻²⁴)·… − 0.5</c> through the magic constant 0.5.
    /// </summary>
    internal readonly struct Widening : IWidening
    {
        private const uint ExponentOffset = 0xE0u << 23;
        private const uint ScaleBits = 0x07800000u; // 2^-112
        private const uint MagicMask = 126u << 23;
        private const uint DenormalCutoff = 1u << 27;

        public static float Scalar(uint bits) => (float)BitConverter.UInt16BitsToHalf((ushort)bits);

        public static Vector128<float> Vector(Vector128<uint> bits)
        {
            var w = bits << 16;
            var sign = w & Vector128.Create(0x80000000u);
            var twoW = w + w;
            var normalized = ((twoW >> 4) + Vector128.Create(ExponentOffset)).AsSingle() * Vector128.Create(ScaleBits).AsSingle();
            var denormalized = ((twoW >> 17) | Vector128.Create(MagicMask)).AsSingle() - Vector128.Create(0.5f);
            var isDenormal = Vector128.LessThan(twoW, Vector128.Create(DenormalCutoff));
            return (sign | Vector128.ConditionalSelect(isDenormal, denormalized.AsUInt32(), normalized.AsUInt32())).AsSingle();
        }

        public static Vector256<float> Vector(Vector256<uint> bits)
        {
            var w = bits << 16;
            var sign = w & Vector256.Create(0x80000000u);
            var twoW = w + w;
            var normalized = ((twoW >> 4) + Vector256.Create(ExponentOffset)).AsSingle() * Vector256.Create(ScaleBits).AsSingle();
            var denormalized = ((twoW >> 17) | Vector256.Create(MagicMask)).AsSingle() - Vector256.Create(0.5f);
            var isDenormal = Vector256.LessThan(twoW, Vector256.Create(DenormalCutoff));
            return (sign | Vector256.ConditionalSelect(isDenormal, denormalized.AsUInt32(), normalized.AsUInt32())).AsSingle();
        }

        public static Vector512<float> Vector(Vector512<uint> bits)
        {
            var w = bits << 16;
            var sign = w & Vector512.Create(0x80000000u);
            var twoW = w + w;
            var normalized = ((twoW >> 4) + Vector512.Create(ExponentOffset)).AsSingle() * Vector512.Create(ScaleBits).AsSingle();
            var denormalized = ((twoW >> 17) | Vector512.Create(MagicMask)).AsSingle() - Vector512.Create(0.5f);
            var isDenormal = Vector512.LessThan(twoW, Vector512.Create(DenormalCutoff));
            return (sign | Vector512.ConditionalSelect(isDenormal, denormalized.AsUInt32(), normalized.AsUInt32())).AsSingle();
        }
    }

    /// <summary>
    /// float32 → binary16: <c>|x|·2¹¹²·2⁻¹¹⁰</c> saturates overflow to infinity, then adding a power of two chosen from
    /// the exponent (at least 2⁻¹⁴'s) makes the float adder do the round-to-nearest-even at the half's precision; the
    /// half's exponent and mantissa are then read off the sum. NaNs are patched to <see cref="Half"/>'s pattern.
    /// </summary>
    internal readonly struct Narrowing : INarrowing
    {
        private const uint ScaleToInfBits = 0x77800000u; // 2^112
        private const uint ScaleToZeroBits = 0x08800000u; // 2^-110
        private const uint MinBias = 0x71000000u;

        public static uint Scalar(float value) => BitConverter.HalfToUInt16Bits((Half)value);

        public static Vector128<uint> Vector(Vector128<float> value)
        {
            var w = value.AsUInt32();
            var shl1 = w + w;
            var sign = (w & Vector128.Create(0x80000000u)) >> 16;
            var bias = Vector128.Max(shl1 & Vector128.Create(0xFF000000u), Vector128.Create(MinBias));
            var scaled = Vector128.Abs(value) * Vector128.Create(ScaleToInfBits).AsSingle() * Vector128.Create(ScaleToZeroBits).AsSingle();
            var sum = (((bias >> 1) + Vector128.Create(0x07800000u)).AsSingle() + scaled).AsUInt32();
            var nonsign = ((sum >> 13) & Vector128.Create(0x7C00u)) + (sum & Vector128.Create(0x0FFFu));
            var nan = Vector128.Create(0x7E00u) | ((w & Vector128.Create(0x007FFFFFu)) >> 13);
            return sign | Vector128.ConditionalSelect(Vector128.GreaterThan(shl1, Vector128.Create(0xFF000000u)), nan, nonsign);
        }

        public static Vector256<uint> Vector(Vector256<float> value)
        {
            var w = value.AsUInt32();
            var shl1 = w + w;
            var sign = (w & Vector256.Create(0x80000000u)) >> 16;
            var bias = Vector256.Max(shl1 & Vector256.Create(0xFF000000u), Vector256.Create(MinBias));
            var scaled = Vector256.Abs(value) * Vector256.Create(ScaleToInfBits).AsSingle() * Vector256.Create(ScaleToZeroBits).AsSingle();
            var sum = (((bias >> 1) + Vector256.Create(0x07800000u)).AsSingle() + scaled).AsUInt32();
            var nonsign = ((sum >> 13) & Vector256.Create(0x7C00u)) + (sum & Vector256.Create(0x0FFFu));
            var nan = Vector256.Create(0x7E00u) | ((w & Vector256.Create(0x007FFFFFu)) >> 13);
            return sign | Vector256.ConditionalSelect(Vector256.GreaterThan(shl1, Vector256.Create(0xFF000000u)), nan, nonsign);
        }

        public static Vector512<uint> Vector(Vector512<float> value)
        {
            var w = value.AsUInt32();
            var shl1 = w + w;
            var sign = (w & Vector512.Create(0x80000000u)) >> 16;
            var bias = Vector512.Max(shl1 & Vector512.Create(0xFF000000u), Vector512.Create(MinBias));
            var scaled = Vector512.Abs(value) * Vector512.Create(ScaleToInfBits).AsSingle() * Vector512.Create(ScaleToZeroBits).AsSingle();
            var sum = (((bias >> 1) + Vector512.Create(0x07800000u)).AsSingle() + scaled).AsUInt32();
            var nonsign = ((sum >> 13) & Vector512.Create(0x7C00u)) + (sum & Vector512.Create(0x0FFFu));
            var nan = Vector512.Create(0x7E00u) | ((w & Vector512.Create(0x007FFFFFu)) >> 13);
            return sign | Vector512.ConditionalSelect(Vector512.GreaterThan(shl1, Vector512.Create(0xFF000000u)), nan, nonsign);
        }
    }
}
