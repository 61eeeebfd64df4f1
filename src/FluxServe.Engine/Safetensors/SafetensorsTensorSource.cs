namespace FluxServe.Engine.Safetensors;

/// <summary>
/// A tensor to be written by <see cref="SafetensorsWriter.WriteStreaming"/>
/// without holding its data: the header is built from the name, dtype and shape, and the data is produced later by
/// <see cref="WriteData"/>, which must write exactly numel × sizeof(dtype) bytes.
/// </summary>
public sealed class SafetensorsTensorSource
{
    /// <summary>Describes a tensor whose bytes <paramref name="writeData"/> will write.</summary>
    /// <param name="name">The tensor's name in the header.</param>
    /// <param name="dtype">The element type.</param>
    /// <param name="shape">The dimensions, outermost first; empty for a scalar.</param>
    /// <param name="writeData">Writes the little-endian, row-major elements to the stream it is given.</param>
    public SafetensorsTensorSource(string name, DType dtype, ReadOnlySpan<int> shape, Action<Stream> writeData)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(writeData);
        Name = name;
        DType = dtype;
        Shape = shape.ToArray();
        Length = Tensor.ComputeLength(Shape);
        ByteLength = checked(Length * dtype.SizeOf());
        WriteData = writeData;
    }

    /// <summary>The tensor's name in the header.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>The number of elements.</summary>
    public long Length { get; }

    /// <summary>The size of the data in bytes.</summary>
    public long ByteLength { get; }

    /// <summary>Writes the tensor's bytes; called once, in file order.</summary>
    public Action<Stream> WriteData { get; }
}
