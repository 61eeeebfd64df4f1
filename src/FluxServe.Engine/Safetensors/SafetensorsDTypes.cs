using System.Buffers.Binary;

namespace FluxServe.Engine.Safetensors;

/// <summary>
/// The dtype names a safetensors header may carry, their element sizes, and the engine dtype each is read as.
/// </summary>
/// <remarks>
/// The engine's own types (<see cref="DTypeInfo.TryParseSafetensorsName"/>) are read zero-copy. The other fixed-size
/// types of the reference crate are widened or narrowed on read because that is cheap and keeps a stray F64 alpha or
/// I16 buffer in a LoRA file from making the whole file unusable. Sub-byte and exotic types (F4, F6_*, F8_E8M0, C64)
/// and unknown names are rejected when the file is opened.
/// </remarks>
internal static class SafetensorsDTypes
{
    /// <summary>Resolves a header dtype name; false when it is neither an engine type nor a convertible one.</summary>
    public static bool TryResolve(string name, out DType dtype, out int storedSize)
    {
        if (DTypeInfo.TryParseSafetensorsName(name, out dtype))
        {
            storedSize = dtype.SizeOf();
            return true;
        }

        (dtype, storedSize) = name switch
        {
            "F64" => (DType.F32, 8),
            "I8" => (DType.I32, 1),
            "I16" => (DType.I32, 2),
            "U16" => (DType.I32, 2),
            "U32" => (DType.I64, 4),
            "U64" => (DType.I64, 8),
            _ => (default(DType), 0),
        };
        return storedSize != 0;
    }

    /// <summary>Converts stored elements of a non-engine type into the engine type chosen by <see cref="TryResolve"/>.</summary>
    /// <exception cref="OverflowException">A U64 value does not fit in I64.</exception>
    public static void Convert(string storedName, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        switch (storedName)
        {
            case "F64":
            {
                var dst = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(destination);
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source.Slice(i * 8, 8));
                }

                break;
            }

            case "I8":
            {
                var dst = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(destination);
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = (sbyte)source[i];
                }

                break;
            }

            case "I16":
            {
                var dst = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(destination);
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = BinaryPrimitives.ReadInt16LittleEndian(source.Slice(i * 2, 2));
                }

                break;
            }

            case "U16":
            {
                var dst = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(destination);
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(i * 2, 2));
                }

                break;
            }

            case "U32":
            {
                var dst = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(destination);
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = BinaryPrimitives.ReadUInt32LittleEndian(source.Slice(i * 4, 4));
                }

                break;
            }

            case "U64":
            {
                var dst = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(destination);
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = checked((long)BinaryPrimitives.ReadUInt64LittleEndian(source.Slice(i * 8, 8)));
                }

                break;
            }

            default:
                throw new ArgumentException($"Stored dtype {storedName} needs no conversion.", nameof(storedName));
        }
    }
}
