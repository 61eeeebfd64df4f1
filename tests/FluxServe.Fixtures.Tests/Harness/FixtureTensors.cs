using FluxServe.Engine;
using FluxServe.Engine.Numerics;

namespace FluxServe.Fixtures.Tests.Harness;

/// <summary>Reads fixture tensors whatever their stored dtype (F32 mostly, I64 for token ids, BF16 weights).</summary>
public static class FixtureTensors
{
    /// <summary>The elements as float32 (integers and bf16/f16 converted exactly where representable).</summary>
    public static float[] ToSingles(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        switch (tensor.DType)
        {
            case DType.F32:
                return tensor.ToArray<float>();
            case DType.BF16:
                return Convert(tensor.AsSpan<ushort>(), static b => BFloat16Conversion.ToSingle(b));
            case DType.F16:
                return Convert(tensor.AsSpan<ushort>(), static b => (float)BitConverter.UInt16BitsToHalf(b));
            case DType.I64:
                return Convert(tensor.AsSpan<long>(), static v => (float)v);
            case DType.I32:
                return Convert(tensor.AsSpan<int>(), static v => (float)v);
            case DType.U8:
                return Convert(tensor.AsSpan<byte>(), static v => (float)v);
            default:
                throw new NotSupportedException($"Cannot read a {tensor.DType} fixture tensor as float32.");
        }
    }

    /// <summary>The elements as int64: I64/I32/U8 directly, float tensors only when every value is an integer.</summary>
    public static long[] ToInt64s(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        switch (tensor.DType)
        {
            case DType.I64:
                return tensor.ToArray<long>();
            case DType.I32:
                return Convert(tensor.AsSpan<int>(), static v => (long)v);
            case DType.U8:
                return Convert(tensor.AsSpan<byte>(), static v => (long)v);
            default:
                float[] values = ToSingles(tensor);
                var result = new long[values.Length];
                for (int i = 0; i < values.Length; i++)
                {
                    if (values[i] != MathF.Round(values[i]))
                    {
                        throw new InvalidDataException($"Element {i} of a {tensor.DType} tensor is {values[i]}, not an integer.");
                    }

                    result[i] = (long)values[i];
                }

                return result;
        }
    }

    private static TOut[] Convert<TIn, TOut>(ReadOnlySpan<TIn> source, Func<TIn, TOut> convert)
    {
        var result = new TOut[source.Length];
        for (int i = 0; i < source.Length; i++)
        {
            result[i] = convert(source[i]);
        }

        return result;
    }
}
