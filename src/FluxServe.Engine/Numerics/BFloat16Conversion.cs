using System.Runtime.Intrinsics;

namespace FluxServe.Engine.Numerics;

/// <summary>
/// Conversions between float32 and bfloat16 bit patterns, as PyTorch's <c>c10::BFloat16</c> does them.
/// </summary>
/// <remarks>
/// Widening is exact (the bfloat16 bits are the upper half of a float32). Narrowing rounds to nearest even, including
/// overflow to ±infinity and the subnormal range (bfloat16 shares float32's exponent range, so nothing is flushed);
/// every NaN becomes the canonical <c>0x7FC0</c>, sign dropped, as <c>c10::detail::round_to_nearest_even</c> does.
/// (PyTorch's own AVX-512 copy kernels are not consistent about NaN bits; the scalar c10 rule is the one followed.)
/// </remarks>
public static class BFloat16Conversion
{
    /// <summary>The bit pattern every NaN narrows to.</summary>
    public const ushort CanonicalNaN = 0x7FC0;

    /// <summary>Widens one bfloat16 bit pattern.</summary>
    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Narrows one value to bfloat16 bits (round to nearest even; NaN → <see cref="CanonicalNaN"/>).</summary>
    public static ushort FromSingle(float value) => (ushort)Narrowing.Scalar(value);

    /// <summary>Widens bfloat16 bit patterns to float32 (vectorised; the spans must not overlap).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination) =>
        ConversionLoops.Widen16<Widening>(source, destination, SimdLevels.Best);

    /// <summary>Narrows float32 values to bfloat16 bit patterns (vectorised; the spans must not overlap).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static void FromSingle(ReadOnlySpan<float> source, Span<ushort> destination) =>
        ConversionLoops.Narrow16<Narrowing>(source, destination, SimdLevels.Best);

    /// <summary><see cref="ToSingle(ReadOnlySpan{ushort}, Span{float})"/> on a chosen vector path.</summary>
    internal static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination, SimdLevel level) =>
        ConversionLoops.Widen16<Widening>(source, destination, level);

    /// <summary><see cref="FromSingle(ReadOnlySpan{float}, Span{ushort})"/> on a chosen vector path.</summary>
    internal static void FromSingle(ReadOnlySpan<float> source, Span<ushort> destination, SimdLevel level) =>
        ConversionLoops.Narrow16<Narrowing>(source, destination, level);

    /// <summary>bfloat16 → float32: a 16-bit shift.</summary>
    internal readonly struct Widening : IWidening
    {
        public static float Scalar(uint bits) => BitConverter.UInt32BitsToSingle(bits << 16);

        public static Vector128<float> Vector(Vector128<uint> bits) => (bits << 16).AsSingle();

        public static Vector256<float> Vector(Vector256<uint> bits) => (bits << 16).AsSingle();

        public static Vector512<float> Vector(Vector512<uint> bits) => (bits << 16).AsSingle();
    }

    /// <summary>float32 → bfloat16: add 0x7FFF plus the lowest kept bit (ties to even), keep the upper half.</summary>
    internal readonly struct Narrowing : INarrowing
    {
        public static uint Scalar(float value)
        {
            if (float.IsNaN(value))
            {
                return CanonicalNaN;
            }

            uint u = BitConverter.SingleToUInt32Bits(value);
            return (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
        }

        public static Vector128<uint> Vector(Vector128<float> value)
        {
            var u = value.AsUInt32();
            var rounded = (u + Vector128.Create(0x7FFFu) + ((u >> 16) & Vector128<uint>.One)) >> 16;
            return Vector128.ConditionalSelect(Vector128.Equals(value, value).AsUInt32(), rounded, Vector128.Create((uint)CanonicalNaN));
        }

        public static Vector256<uint> Vector(Vector256<float> value)
        {
            var u = value.AsUInt32();
            var rounded = (u + Vector256.Create(0x7FFFu) + ((u >> 16) & Vector256<uint>.One)) >> 16;
            return Vector256.ConditionalSelect(Vector256.Equals(value, value).AsUInt32(), rounded, Vector256.Create((uint)CanonicalNaN));
        }

        public static Vector512<uint> Vector(Vector512<float> value)
        {
            var u = value.AsUInt32();
            var rounded = (u + Vector512.Create(0x7FFFu) + ((u >> 16) & Vector512<uint>.One)) >> 16;
            return Vector512.ConditionalSelect(Vector512.Equals(value, value).AsUInt32(), rounded, Vector512.Create((uint)CanonicalNaN));
        }
    }
}
