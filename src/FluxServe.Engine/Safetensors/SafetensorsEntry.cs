namespace FluxServe.Engine.Safetensors;

/// <summary>One tensor's header entry in a safetensors file: name, element type, shape and where its bytes lie.</summary>
/// <remarks>
/// <see cref="DType"/> is the element type <see cref="SafetensorsFile.GetTensor"/> returns. It equals the stored type
/// except for the few stored types the engine has no <see cref="Engine.DType"/> for (F64, I8, I16, U16, U32, U64),
/// which are converted on read (F64 to F32, the small integers to I32, U32/U64 to I64); <see cref="StoredDType"/>
/// keeps the header's name and <see cref="IsConverted"/> says whether a conversion happens.
/// </remarks>
public sealed class SafetensorsEntry
{
    internal SafetensorsEntry(
        string filePath, string name, string storedDType, DType dtype, int storedElementSize, int[] shape, long length, long dataBegin, long dataEnd)
    {
        FilePath = filePath;
        Name = name;
        StoredDType = storedDType;
        DType = dtype;
        StoredElementSize = storedElementSize;
        Shape = shape;
        Length = length;
        DataBegin = dataBegin;
        DataEnd = dataEnd;
    }

    /// <summary>The file that holds the tensor.</summary>
    public string FilePath { get; }

    /// <summary>The tensor's name in the header.</summary>
    public string Name { get; }

    /// <summary>The element type of the tensor <see cref="SafetensorsFile.GetTensor"/> returns.</summary>
    public DType DType { get; }

    /// <summary>The dtype name as written in the header (<c>F32</c>, <c>BF16</c>, <c>F8_E4M3</c>, <c>F64</c>, ...).</summary>
    public string StoredDType { get; }

    /// <summary>Bytes per stored element.</summary>
    public int StoredElementSize { get; }

    /// <summary>True when the stored type is not an engine dtype and reading converts it (and copies).</summary>
    public bool IsConverted => StoredElementSize != DType.SizeOf() || StoredDType != DType.SafetensorsName();

    /// <summary>The dimensions, outermost first; empty for a scalar.</summary>
    public int[] Shape { get; }

    /// <summary>The number of elements (1 for a scalar, 0 when a dimension is 0).</summary>
    public long Length { get; }

    /// <summary>Offset of the first data byte from the start of the file.</summary>
    public long DataBegin { get; }

    /// <summary>Offset one past the last data byte from the start of the file.</summary>
    public long DataEnd { get; }

    /// <summary>The stored size in bytes.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {StoredDType} {Tensor.FormatShape(Shape)}";
}
