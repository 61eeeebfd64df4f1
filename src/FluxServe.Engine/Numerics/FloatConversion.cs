using System.Runtime.InteropServices;

namespace FluxServe.Engine.Numerics;

/// <summary>
/// Float-format conversions selected by <see cref="DType"/>, over raw element bytes: the entry point for casts and
/// for anything that reads tensors of any float dtype. Each format's rules are on its own class
/// (<see cref="BFloat16Conversion"/>, <see cref="HalfConversion"/>, <see cref="Float8E4M3FNConversion"/>,
/// <see cref="Float8E5M2Conversion"/>); float32 is copied.
/// </summary>
public static class FloatConversion
{
    /// <summary>
    /// Widens <paramref name="source"/>, the bytes of <c>n</c> elements of <paramref name="sourceType"/>, into the
    /// first <c>n</c> floats of <paramref name="destination"/>. The spans must not overlap.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The dtype is not a float type, the byte count is not a whole number of elements, or the destination is too short.
    /// </exception>
    public static void ToSingle(DType sourceType, ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (!sourceType.IsFloatingPoint())
        {
            throw NotFloat(sourceType, nameof(sourceType));
        }

        int count = ElementCount(sourceType, source.Length, nameof(source));
        switch (sourceType)
        {
            case DType.F32:
                CheckDestination(count, destination.Length, nameof(destination));
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case DType.BF16:
                BFloat16Conversion.ToSingle(MemoryMarshal.Cast<byte, ushort>(source), destination);
                break;
            case DType.F16:
                HalfConversion.ToSingle(MemoryMarshal.Cast<byte, ushort>(source), destination);
                break;
            case DType.F8E4M3FN:
                Float8E4M3FNConversion.ToSingle(source, destination);
                break;
            case DType.F8E5M2:
                Float8E5M2Conversion.ToSingle(source, destination);
                break;
            default:
                throw NotFloat(sourceType, nameof(sourceType));
        }
    }

    /// <summary>
    /// Narrows <paramref name="source"/> into <paramref name="destination"/>, the bytes of as many elements of
    /// <paramref name="destinationType"/> (rounding to nearest even; see each format for NaN and overflow).
    /// The spans must not overlap.
    /// </summary>
    /// <exception cref="ArgumentException">The dtype is not a float type or the destination is too short.</exception>
    public static void FromSingle(ReadOnlySpan<float> source, DType destinationType, Span<byte> destination)
    {
        if (!destinationType.IsFloatingPoint())
        {
            throw NotFloat(destinationType, nameof(destinationType));
        }

        int size = destinationType.SizeOf();
        if (destination.Length / size < source.Length)
        {
            throw new ArgumentException(
                $"{source.Length} {destinationType} elements need {(long)source.Length * size} bytes; the destination has {destination.Length}.",
                nameof(destination));
        }

        switch (destinationType)
        {
            case DType.F32:
                source.CopyTo(MemoryMarshal.Cast<byte, float>(destination));
                break;
            case DType.BF16:
                BFloat16Conversion.FromSingle(source, MemoryMarshal.Cast<byte, ushort>(destination));
                break;
            case DType.F16:
                HalfConversion.FromSingle(source, MemoryMarshal.Cast<byte, ushort>(destination));
                break;
            case DType.F8E4M3FN:
                Float8E4M3FNConversion.FromSingle(source, destination);
                break;
            default:
                Float8E5M2Conversion.FromSingle(source, destination);
                break;
        }
    }

    /// <summary>Widens one element stored at the start of <paramref name="element"/>.</summary>
    /// <exception cref="ArgumentException">The dtype is not a float type or the span is shorter than one element.</exception>
    public static float ToSingle(DType sourceType, ReadOnlySpan<byte> element)
    {
        if (!sourceType.IsFloatingPoint())
        {
            throw NotFloat(sourceType, nameof(sourceType));
        }

        if (element.Length < sourceType.SizeOf())
        {
            throw new ArgumentException($"One {sourceType} element needs {sourceType.SizeOf()} bytes.", nameof(element));
        }

        return sourceType switch
        {
            DType.F32 => MemoryMarshal.Read<float>(element),
            DType.BF16 => BFloat16Conversion.ToSingle(MemoryMarshal.Read<ushort>(element)),
            DType.F16 => HalfConversion.ToSingle(MemoryMarshal.Read<ushort>(element)),
            DType.F8E4M3FN => Float8E4M3FNConversion.ToSingle(element[0]),
            _ => Float8E5M2Conversion.ToSingle(element[0]),
        };
    }

    private static int ElementCount(DType dtype, int byteCount, string parameterName)
    {
        int size = dtype.SizeOf();
        if (byteCount % size != 0)
        {
            throw new ArgumentException($"{byteCount} bytes are not a whole number of {dtype} elements.", parameterName);
        }

        return byteCount / size;
    }

    private static void CheckDestination(int count, int destinationLength, string parameterName)
    {
        if (destinationLength < count)
        {
            throw new ArgumentException($"The destination holds {destinationLength} elements but the source has {count}.", parameterName);
        }
    }

    private static ArgumentException NotFloat(DType dtype, string parameter) =>
        new($"{dtype} is not a floating-point dtype; only F32, F16, BF16, F8E4M3FN and F8E5M2 convert to float32.", parameter);
}
