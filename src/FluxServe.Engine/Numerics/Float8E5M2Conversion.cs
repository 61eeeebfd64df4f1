using System.Runtime.Intrinsics;

namespace FluxServe.Engine.Numerics;

/// <summary>
/// Conversions between float32 and float8 e5m2 bit patterns (1 sign, 5 exponent bits with bias 15, 2 mantissa bits,
/// IEEE-like with infinities and NaNs: the upper byte of a binary16), following PyTorch's <c>c10::Float8_e5m2</c>.
/// </summary>
/// <remarks>
/// Narrowing rounds to nearest even; magnitudes from 61440 (the tie between the largest finite value 57344 and the
/// next power of two) up round to ±infinity (<c>0x7C</c>), as do infinities; NaN becomes <c>0x7F</c> with the input's
/// sign. Values below 2⁻¹⁴ round into the subnormals (down to 2⁻¹⁶) or to a signed zero. Widening is the widening of
/// the binary16 <c>bits ≪ 8</c>, so a NaN widens to <c>sign | 0x7FC00000 | m ≪ 21</c>.
/// </remarks>
public static class Float8E5M2Conversion
{
    /// <summary>The largest finite magnitude, 57344.</summary>
    public const float MaxValue = 57344f;

    /// <summary>Widens one e5m2 bit pattern.</summary>
    public static float ToSingle(byte bits) => Widening.Scalar(bits);

    /// <summary>Narrows one value to e5m2 bits (round to nearest even; overflow → infinity).</summary>
    public static byte FromSingle(float value) => (byte)Narrowing.Scalar(value);

    /// <summary>Widens e5m2 bit patterns to float32 (vectorised; the spans must not overlap).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static void ToSingle(ReadOnlySpan<byte> source, Span<float> destination) =>
        ConversionLoops.Widen8<Widening>(source, destination, SimdLevels.Best);

    /// <summary>Narrows float32 values to e5m2 bit patterns (vectorised; the spans must not overlap).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static void FromSingle(ReadOnlySpan<float> source, Span<byte> destination) =>
        ConversionLoops.Narrow8<Narrowing>(source, destination, SimdLevels.Best);

    /// <summary><see cref="ToSingle(ReadOnlySpan{byte}, Span{float})"/> on a chosen vector path.</summary>
    internal static void ToSingle(ReadOnlySpan<byte> source, Span<float> destination, SimdLevel level) =>
        ConversionLoops.Widen8<Widening>(source, destination, level);

    /// <summary><see cref="FromSingle(ReadOnlySpan{float}, Span{byte})"/> on a chosen vector path.</summary>
    internal static void FromSingle(ReadOnlySpan<float> source, Span<byte> destination, SimdLevel level) =>
        ConversionLoops.Narrow8<Narrowing>(source, destination, level);

    /// <summary>e5m2 → float32 through binary16: the byte is the upper half of a half.</summary>
    internal readonly struct Widening : IWidening
    {
        public static float Scalar(uint bits) => HalfConversion.Widening.Scalar(bits << 8);

        public static Vector128<float> Vector(Vector128<uint> bits) => HalfConversion.Widening.Vector(bits << 8);

        public static Vector256<float> Vector(Vector256<uint> bits) => HalfConversion.Widening.Vector(bits << 8);

        public static Vector512<float> Vector(Vector512<uint> bits) => HalfConversion.Widening.Vector(bits << 8);
    }

    /// <summary>
    /// float32 → e5m2 (c10): from 2¹⁶ up infinity (NaN stays NaN); below 2⁻¹⁴ the float adder rounds
    /// <c>|x| + 2⁷</c> at the subnormal step 2⁻¹⁶; otherwise re-bias and round to nearest even before the shift by 21.
    /// </summary>
    internal readonly struct Narrowing : INarrowing
    {
        private const uint InfinityBits = 0x7F800000u;
        private const uint OverflowThreshold = 143u << 23; // 65536.0f
        private const uint NormalMin = 113u << 23; // 2^-14
        private const uint DenormalMagic = 134u << 23; // 2^7
        private const uint Rebias = 0xC80FFFFFu; // ((15 - 127) << 23) + 0xFFFFF, modulo 2^32

        public static uint Scalar(float value)
        {
            uint u = BitConverter.SingleToUInt32Bits(value);
            uint sign = u & 0x80000000u;
            uint a = u ^ sign;
            uint result;
            if (a >= OverflowThreshold)
            {
                result = a > InfinityBits ? 0x7Fu : 0x7Cu;
            }
            else if (a < NormalMin)
            {
                float sum = BitConverter.UInt32BitsToSingle(a) + BitConverter.UInt32BitsToSingle(DenormalMagic);
                result = BitConverter.SingleToUInt32Bits(sum) - DenormalMagic;
            }
            else
            {
                result = (a + Rebias + ((a >> 21) & 1u)) >> 21;
            }

            return (result | (sign >> 24)) & 0xFFu;
        }

        public static Vector128<uint> Vector(Vector128<float> value)
        {
            var u = value.AsUInt32();
            var sign = u & Vector128.Create(0x80000000u);
            var a = u ^ sign;
            var magic = Vector128.Create(DenormalMagic);
            var subnormal = ((a.AsSingle() + magic.AsSingle()).AsUInt32() - magic) & Vector128.Create(0xFFu);
            var normal = ((a + Vector128.Create(Rebias) + ((a >> 21) & Vector128<uint>.One)) >> 21) & Vector128.Create(0xFFu);
            var finite = Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128.Create(NormalMin)), subnormal, normal);
            var special = Vector128.ConditionalSelect(Vector128.GreaterThan(a, Vector128.Create(InfinityBits)), Vector128.Create(0x7Fu), Vector128.Create(0x7Cu));
            var result = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(a, Vector128.Create(OverflowThreshold)), special, finite);
            return result | (sign >> 24);
        }

        public static Vector256<uint> Vector(Vector256<float> value)
        {
            var u = value.AsUInt32();
            var sign = u & Vector256.Create(0x80000000u);
            var a = u ^ sign;
            var magic = Vector256.Create(DenormalMagic);
            var subnormal = ((a.AsSingle() + magic.AsSingle()).AsUInt32() - magic) & Vector256.Create(0xFFu);
            var normal = ((a + Vector256.Create(Rebias) + ((a >> 21) & Vector256<uint>.One)) >> 21) & Vector256.Create(0xFFu);
            var finite = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(NormalMin)), subnormal, normal);
            var special = Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256.Create(InfinityBits)), Vector256.Create(0x7Fu), Vector256.Create(0x7Cu));
            var result = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a, Vector256.Create(OverflowThreshold)), special, finite);
            return result | (sign >> 24);
        }

        public static Vector512<uint> Vector(Vector512<float> value)
        {
            var u = value.AsUInt32();
            var sign = u & Vector512.Create(0x80000000u);
            var a = u ^ sign;
            var magic = Vector512.Create(DenormalMagic);
            var subnormal = ((a.AsSingle() + magic.AsSingle()).AsUInt32() - magic) & Vector512.Create(0xFFu);
            var normal = ((a + Vector512.Create(Rebias) + ((a >> 21) & Vector512<uint>.One)) >> 21) & Vector512.Create(0xFFu);
            var finite = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(NormalMin)), subnormal, normal);
            var special = Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512.Create(InfinityBits)), Vector512.Create(0x7Fu), Vector512.Create(0x7Cu));
            var result = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512.Create(OverflowThreshold)), special, finite);
            return result | (sign >> 24);
        }
    }
}
