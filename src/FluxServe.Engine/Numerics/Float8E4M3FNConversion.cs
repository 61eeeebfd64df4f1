using System.Runtime.Intrinsics;

namespace FluxServe.Engine.Numerics;

/// <summary>
/// Conversions between float32 and float8 e4m3fn bit patterns (1 sign, 4 exponent bits with bias 7, 3 mantissa bits,
/// no infinities, NaN = <c>S.1111.111</c>), following PyTorch's <c>c10::Float8_e4m3fn</c> bit for bit.
/// </summary>
/// <remarks>
/// <para>Narrowing rounds to nearest even and is <b>not saturating</b>: the NaN pattern <c>S.1111.111</c> sits where
/// 480 would be, so magnitudes up to 464 round to ±448 (<c>0x7E</c>; the tie at 464 goes to the even 448), anything
/// above 464 rounds to the NaN pattern, and 480 and beyond, ±infinity and NaN are NaN explicitly, all keeping the
/// input's sign (<c>0x7F</c>/<c>0xFF</c>). Values below
/// 2⁻⁶ round into the subnormals (down to 2⁻⁹) or to a signed zero. This is c10's
/// <c>fp8e4m3fn_from_fp32_value</c>; PyTorch only saturates where a caller clamps explicitly.</para>
/// <para>Widening is exact; NaN widens to <c>sign | 0x7FF00000</c> (the float c10 produces).</para>
/// </remarks>
public static class Float8E4M3FNConversion
{
    /// <summary>The largest finite magnitude, 448.</summary>
    public const float MaxValue = 448f;

    /// <summary>The positive NaN bit pattern.</summary>
    public const byte NaN = 0x7F;

    /// <summary>Widens one e4m3fn bit pattern.</summary>
    public static float ToSingle(byte bits) => Widening.Scalar(bits);

    /// <summary>Narrows one value to e4m3fn bits (round to nearest even; beyond range → NaN).</summary>
    public static byte FromSingle(float value) => (byte)Narrowing.Scalar(value);

    /// <summary>Widens e4m3fn bit patterns to float32 (vectorised; the spans must not overlap).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static void ToSingle(ReadOnlySpan<byte> source, Span<float> destination) =>
        ConversionLoops.Widen8<Widening>(source, destination, SimdLevels.Best);

    /// <summary>Narrows float32 values to e4m3fn bit patterns (vectorised; the spans must not overlap).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static void FromSingle(ReadOnlySpan<float> source, Span<byte> destination) =>
        ConversionLoops.Narrow8<Narrowing>(source, destination, SimdLevels.Best);

    /// <summary><see cref="ToSingle(ReadOnlySpan{byte}, Span{float})"/> on a chosen vector path.</summary>
    internal static void ToSingle(ReadOnlySpan<byte> source, Span<float> destination, SimdLevel level) =>
        ConversionLoops.Widen8<Widening>(source, destination, level);

    /// <summary><see cref="FromSingle(ReadOnlySpan{float}, Span{byte})"/> on a chosen vector path.</summary>
    internal static void FromSingle(ReadOnlySpan<float> source, Span<byte> destination, SimdLevel level) =>
        ConversionLoops.Narrow8<Narrowing>(source, destination, level);

    /// <summary>
    /// e4m3fn → float32: the 7 magnitude bits placed at bit 20 form a float32 (normal or subnormal) that is exactly
    /// 2⁻¹²⁰ times the e4m3fn value, so one multiplication by 2¹²⁰ widens every finite pattern, subnormals included;
    /// the NaN pattern is patched.
    /// </summary>
    internal readonly struct Widening : IWidening
    {
        private const uint Scale = (127u + 120u) << 23; // 2^120
        private const uint NaNBits = 0x7FF00000u;

        public static float Scalar(uint bits)
        {
            uint sign = (bits & 0x80u) << 24;
            uint magnitude = bits & 0x7Fu;
            uint result = magnitude == 0x7F
                ? NaNBits
                : BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(magnitude << 20) * BitConverter.UInt32BitsToSingle(Scale));
            return BitConverter.UInt32BitsToSingle(sign | result);
        }

        public static Vector128<float> Vector(Vector128<uint> bits)
        {
            var sign = (bits & Vector128.Create(0x80u)) << 24;
            var magnitude = bits & Vector128.Create(0x7Fu);
            var value = ((magnitude << 20).AsSingle() * Vector128.Create(Scale).AsSingle()).AsUInt32();
            var result = Vector128.ConditionalSelect(Vector128.Equals(magnitude, Vector128.Create(0x7Fu)), Vector128.Create(NaNBits), value);
            return (sign | result).AsSingle();
        }

        public static Vector256<float> Vector(Vector256<uint> bits)
        {
            var sign = (bits & Vector256.Create(0x80u)) << 24;
            var magnitude = bits & Vector256.Create(0x7Fu);
            var value = ((magnitude << 20).AsSingle() * Vector256.Create(Scale).AsSingle()).AsUInt32();
            var result = Vector256.ConditionalSelect(Vector256.Equals(magnitude, Vector256.Create(0x7Fu)), Vector256.Create(NaNBits), value);
            return (sign | result).AsSingle();
        }

        public static Vector512<float> Vector(Vector512<uint> bits)
        {
            var sign = (bits & Vector512.Create(0x80u)) << 24;
            var magnitude = bits & Vector512.Create(0x7Fu);
            var value = ((magnitude << 20).AsSingle() * Vector512.Create(Scale).AsSingle()).AsUInt32();
            var result = Vector512.ConditionalSelect(Vector512.Equals(magnitude, Vector512.Create(0x7Fu)), Vector512.Create(NaNBits), value);
            return (sign | result).AsSingle();
        }
    }

    /// <summary>
    /// float32 → e4m3fn (c10): magnitudes from 480 up (and NaN) give NaN; below 2⁻⁶ the float adder rounds
    /// <c>|x| + 2¹⁴</c> at the subnormal step 2⁻⁹ and the low bits are the result; otherwise the exponent is re-biased
    /// and <c>0x7FFFF</c> plus the lowest kept mantissa bit rounds to nearest even before the shift by 20.
    /// </summary>
    internal readonly struct Narrowing : INarrowing
    {
        private const uint NaNThreshold = 1087u << 20; // 480.0f
        private const uint NormalMin = 121u << 23; // 2^-6
        private const uint DenormalMagic = 141u << 23; // 2^14
        private const uint Rebias = 0xC407FFFFu; // ((7 - 127) << 23) + 0x7FFFF, modulo 2^32

        public static uint Scalar(float value)
        {
            uint u = BitConverter.SingleToUInt32Bits(value);
            uint sign = u & 0x80000000u;
            uint a = u ^ sign;
            uint result;
            if (a >= NaNThreshold)
            {
                result = 0x7F;
            }
            else if (a < NormalMin)
            {
                float sum = BitConverter.UInt32BitsToSingle(a) + BitConverter.UInt32BitsToSingle(DenormalMagic);
                result = BitConverter.SingleToUInt32Bits(sum) - DenormalMagic;
            }
            else
            {
                result = (a + Rebias + ((a >> 20) & 1u)) >> 20;
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
            var normal = ((a + Vector128.Create(Rebias) + ((a >> 20) & Vector128<uint>.One)) >> 20) & Vector128.Create(0xFFu);
            var finite = Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128.Create(NormalMin)), subnormal, normal);
            var result = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(a, Vector128.Create(NaNThreshold)), Vector128.Create(0x7Fu), finite);
            return result | (sign >> 24);
        }

        public static Vector256<uint> Vector(Vector256<float> value)
        {
            var u = value.AsUInt32();
            var sign = u & Vector256.Create(0x80000000u);
            var a = u ^ sign;
            var magic = Vector256.Create(DenormalMagic);
            var subnormal = ((a.AsSingle() + magic.AsSingle()).AsUInt32() - magic) & Vector256.Create(0xFFu);
            var normal = ((a + Vector256.Create(Rebias) + ((a >> 20) & Vector256<uint>.One)) >> 20) & Vector256.Create(0xFFu);
            var finite = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(NormalMin)), subnormal, normal);
            var result = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a, Vector256.Create(NaNThreshold)), Vector256.Create(0x7Fu), finite);
            return result | (sign >> 24);
        }

        public static Vector512<uint> Vector(Vector512<float> value)
        {
            var u = value.AsUInt32();
            var sign = u & Vector512.Create(0x80000000u);
            var a = u ^ sign;
            var magic = Vector512.Create(DenormalMagic);
            var subnormal = ((a.AsSingle() + magic.AsSingle()).AsUInt32() - magic) & Vector512.Create(0xFFu);
            var normal = ((a + Vector512.Create(Rebias) + ((a >> 20) & Vector512<uint>.One)) >> 20) & Vector512.Create(0xFFu);
            var finite = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(NormalMin)), subnormal, normal);
            var result = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512.Create(NaNThreshold)), Vector512.Create(0x7Fu), finite);
            return result | (sign >> 24);
        }
    }
}
